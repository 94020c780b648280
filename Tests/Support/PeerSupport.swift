import BridgeTesting
import Foundation
import Testing
import BridgePaging
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

/// Third-party peers for tests (installed by `make test` into .peers-venv).
package enum Peers {
    package static let venvPython = Fixtures.path(".peers-venv/bin/python")

    /// Python with the peers' packages; `make test` installs them (a missing venv fails the test that needs it).
    package static var python: String { venvPython }

    /// Headers made by slack_sdk's own SignatureVerifier for `body`.
    package static func slackSign(secret: String, body: String, timestamp: Int) throws -> [String: String] {
        let r = try run(python, [Fixtures.path("scripts/peers/slack_sign.py"), secret, body, String(timestamp)])
        guard r.status == 0 else { throw PeerError(message: "slack_sign.py failed (run make peers): \(r.stderr)") }
        var out: [String: String] = [:]
        for line in r.stdout.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { out[parts[0]] = parts[1] }
        }
        return out
    }

    package struct PeerError: Error, CustomStringConvertible {
        package var message: String
        package var description: String { message }
        package init(message: String) { self.message = message }
    }

    package static func run(_ exe: String, _ args: [String]) throws -> CLI.Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLI.Result(
            status: p.terminationStatus,
            stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self)
        )
    }

    /// A free TCP port on 127.0.0.1.
    package static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
        }
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// `scripts/peers/sink.py`: a loopback stand-in for an outbound API that logs each request as a JSON line.
package final class Sink {
    package let process = Process()
    package let port: Int
    package let log: String

    package init(
        port: Int = Peers.freePort(),
        status: Int = 200,
        body: String? = nil,
        environment: [String: String] = [:]
    ) throws {
        self.port = port
        log = Fixtures.tempDir() + "/sink.jsonl"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        var args = [Fixtures.path("scripts/peers/sink.py"), String(port), log, String(status)]
        if let body { args.append(body) }
        process.arguments = args
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        // Wait until it accepts connections.
        for _ in 0..<100 {
            if Sink.canConnect(port) { return }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    package var url: String { "http://127.0.0.1:\(port)" }

    package static func canConnect(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        } == 0
    }

    /// Every logged request.
    package var requests: [[String: Any]] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// SIGKILL: children of the test process inherit its blocked signal mask, so SIGTERM may be ignored.
    package func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    deinit { stop() }
}
