import BridgeTestSupport
import BridgeConfig
import BridgeCore
import Foundation
import Testing

@testable import BridgeTesting

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 24, finding 5: idle sockets, a slowloris and requests whose body never comes cannot exhaust the
/// server. A real `serve` process with `http.max_connections: 50` and short timeouts; the clients are raw sockets.
@Suite(.serialized) struct ConnectionLimitTests {
    /// `serve` with the connection cap and timeouts of the test; the example config otherwise.
    static func serve(_ httpKeys: String) async throws -> (CrashRecoveryTests.ServeProcess, Int) {
        let dir = Fixtures.tempDir()
        let text = try String(contentsOfFile: Fixtures.path("Examples/bridge.en.yaml"), encoding: .utf8)
        let anchor = "http:\n  read_token_env: INCIDENT_BRIDGE_READ_TOKEN\n"
        let configText = text.replacingOccurrences(of: anchor, with: anchor + httpKeys)
        #expect(configText != text)
        try configText.write(toFile: dir + "/bridge.yaml", atomically: true, encoding: .utf8)
        let port = Peers.freePort()
        let server = try CrashRecoveryTests.ServeProcess(
            config: dir + "/bridge.yaml",
            db: dir + "/bridge.sqlite",
            outPath: dir + "/out.txt",
            port: port
        )
        let up = try await CrashRecoveryTests.waitFor(30) { RawSocket.get(port, "/healthz").status == 200 }
        #expect(up, "serve answers /healthz")
        return (server, port)
    }

    @Test func idleSocketsOverTheCapAndASlowlorisLeaveHealthzFastAndTheCPUIdle() async throws {
        let (server, port) = try await Self.serve(
            "  max_connections: 50\n  header_timeout: 3s\n  idle_timeout: 5s\n  body_timeout: 3s\n"
        )
        defer { server.stop() }
        let pid = server.process.processIdentifier

        // 60 idle sockets on a cap of 50: each of the last 10 takes the place of the oldest idle one.
        // (5 ms apart, so the order the server admits them in is the order they were opened in).
        let idle = (0..<60).map { _ in
            usleep(5_000)
            return RawSocket(port: port)
        }
        defer { idle.forEach { $0.close() } }
        #expect(idle.allSatisfy { $0.fd >= 0 })
        let evicted = idle[0..<10].filter { $0.closedByPeer(within: 1) }.count
        #expect(evicted == 10, "the 10 oldest idle sockets are closed at once: \(evicted)")
        let kept = idle[10...].filter { !$0.closedByPeer(within: 0) }.count
        #expect(kept == 50, "the 50 newest stay open until their header timeout: \(kept)")

        // A slowloris: a head that never ends, one byte a second.
        let slowloris = RawSocket(port: port)
        defer { slowloris.close() }
        let slowStart = Date()
        slowloris.send("GET /healthz HTTP/1.1\r\n")
        // A keep-alive client that made one request and then sits idle.
        let keepAlive = RawSocket(port: port)
        defer { keepAlive.close() }
        keepAlive.send("GET /healthz HTTP/1.1\r\nHost: bridge\r\n\r\n")
        #expect(keepAlive.readSome(within: 1).hasPrefix("HTTP/1.1 200"))
        let keepAliveIdleFrom = Date()

        // With 50 sockets held, /healthz answers within 1 s, and the server burns no CPU meanwhile.
        let before = try Self.cpuSeconds(pid)
        var worst = 0.0
        let window = Date()
        while Date().timeIntervalSince(window) < 2 {
            slowloris.send("X")
            let health = RawSocket.get(port, "/healthz")
            #expect(health.status == 200, "\(health)")
            worst = max(worst, health.seconds)
            try await Task.sleep(nanoseconds: 500_000_000)
        }
        let cpu = try Self.cpuSeconds(pid) - before
        let elapsed = Date().timeIntervalSince(window)
        #expect(worst < 1, "/healthz within 1 s: worst \(worst) s")
        #expect(cpu < 0.2 * elapsed, "CPU near idle: \(cpu) s in \(elapsed) s")

        // The slowloris is closed at its header timeout (3 s) although it keeps sending.
        var slowClosedAfter: Double?
        while Date().timeIntervalSince(slowStart) < 8 {
            slowloris.send("X")
            if slowloris.closedByPeer(within: 0.25) {
                slowClosedAfter = Date().timeIntervalSince(slowStart)
                break
            }
        }
        #expect(slowClosedAfter.map { $0 >= 2.5 && $0 < 4.5 } == true, "slowloris closed after \(slowClosedAfter ?? -1) s")
        // The idle sockets went at their header timeout too; the keep-alive one goes at its idle timeout (5 s).
        let stillOpen = idle.filter { !$0.closedByPeer(within: 0) }.count
        #expect(stillOpen == 0, "idle sockets left open after their header timeout: \(stillOpen)")
        #expect(!keepAlive.closedByPeer(within: 0), "keep-alive not closed before its idle timeout")
        #expect(keepAlive.closedByPeer(within: 5), "keep-alive closed at its idle timeout")
        let idleFor = Date().timeIntervalSince(keepAliveIdleFrom)
        #expect(idleFor >= 4.5 && idleFor < 7, "keep-alive idle for \(idleFor) s")
    }

    @Test func requestsAwaitingTheirBodyFillTheCapThenANewConnectionGets503() async throws {
        let (server, port) = try await Self.serve("  max_connections: 50\n  body_timeout: 3s\n")
        defer { server.stop() }
        // 50 requests whose body never comes: busy connections, none of them may be evicted.
        let busy = (0..<50).map { _ in RawSocket(port: port) }
        defer { busy.forEach { $0.close() } }
        let start = Date()
        for socket in busy {
            socket.send("POST /alerts/alertmanager HTTP/1.1\r\nHost: bridge\r\nContent-Length: 100\r\n\r\n{")
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        let over = RawSocket(port: port)
        defer { over.close() }
        let answer = over.readSome(within: 1)
        #expect(answer.hasPrefix("HTTP/1.1 503"), "over the cap: \(answer)")
        #expect(over.closedByPeer(within: 1), "the 503 is followed by a close")
        #expect(busy.allSatisfy { !$0.closedByPeer(within: 0) }, "busy connections are not evicted")
        // The bodies never came: every one is closed at the body timeout, and the server serves again.
        let closed = busy.filter { $0.closedByPeer(within: 5) }.count
        let took = Date().timeIntervalSince(start)
        #expect(closed == 50 && took >= 2.5 && took < 6, "\(closed) closed after \(took) s")
        #expect(RawSocket.get(port, "/healthz").status == 200)
    }

    @Test func configKeysAreReadAndRangeChecked() throws {
        var text = try String(contentsOfFile: Fixtures.path("Examples/bridge.en.yaml"), encoding: .utf8)
        let anchor = "http:\n  read_token_env: INCIDENT_BRIDGE_READ_TOKEN\n"
        let defaults = try ConfigLoader.load(yaml: text).http
        #expect(defaults.maxConnections == 512 && defaults.headerTimeout.seconds == 10)
        #expect(defaults.idleTimeout.seconds == 60 && defaults.bodyTimeout.seconds == 30)
        text = text.replacingOccurrences(
            of: anchor,
            with: anchor + "  max_connections: 100\n  idle_timeout: 30s\n  header_timeout: 5s\n  body_timeout: 1m\n"
        )
        let set = try ConfigLoader.load(yaml: text).http
        #expect(set.maxConnections == 100 && set.idleTimeout.seconds == 30)
        #expect(set.headerTimeout.seconds == 5 && set.bodyTimeout.seconds == 60)
        let bad = text.replacingOccurrences(of: "header_timeout: 5s", with: "header_timeout: 2h")
            .replacingOccurrences(of: "max_connections: 100", with: "max_connections: 0")
        let error = #expect(throws: (any Error).self) { try ConfigLoader.load(yaml: bad) }
        let message = error.map { "\($0)" } ?? ""
        #expect(message.contains("http.header_timeout") && message.contains("http.max_connections"), "\(message)")
    }

    /// User plus system CPU seconds of a process, from `/proc/<pid>/stat`.
    static func cpuSeconds(_ pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        guard let close = stat.lastIndex(of: ")") else { return 0 }
        // After the command name: state is field 3; utime and stime are fields 14 and 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}

/// A blocking TCP client socket on 127.0.0.1, for clients that misbehave on purpose.
final class RawSocket: @unchecked Sendable {
    let fd: Int32

    init(port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        if ok != 0 {
            Glibc.close(fd)
            self.fd = -1
        } else {
            self.fd = fd
        }
    }

    func send(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.send(fd, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) }
    }

    /// Whatever arrives within `seconds` (up to 64 KiB), as text.
    func readSome(within seconds: Double) -> String {
        var out = [UInt8]()
        let end = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while Date() < end {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(1, end.timeIntervalSinceNow * 1000))
            guard poll(&p, 1, left) > 0 else { break }
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n <= 0 { break }
            out += buffer[0..<n]
            if String(decoding: out, as: UTF8.self).contains("\r\n\r\n") { break }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// True when the server closed (or reset) the connection within `seconds`; data on the way is read and dropped.
    func closedByPeer(within seconds: Double) -> Bool {
        guard fd >= 0 else { return true }
        let end = Date().addingTimeInterval(seconds)
        var buffer = [UInt8](repeating: 0, count: 4096)
        repeat {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let left = Int32(max(0, end.timeIntervalSinceNow * 1000))
            guard poll(&p, 1, left) > 0 else { return false }
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n == 0 { return true }
            if n < 0 && errno != EAGAIN && errno != EWOULDBLOCK { return true }
        } while Date() < end
        return false
    }

    func close() { if fd >= 0 { Glibc.close(fd) } }

    /// One `GET` on a fresh connection: the status (0 when none came within 2 s) and how long it took.
    static func get(_ port: Int, _ path: String) -> (status: Int, seconds: Double) {
        let start = Date()
        let s = RawSocket(port: port)
        defer { s.close() }
        guard s.fd >= 0 else { return (0, 0) }
        s.send("GET \(path) HTTP/1.1\r\nHost: bridge\r\nConnection: close\r\n\r\n")
        let answer = s.readSome(within: 2)
        let status = answer.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return (status, Date().timeIntervalSince(start))
    }
}
