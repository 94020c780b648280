import BridgeCore
import BridgeStore
import BridgeTransport
import Foundation
import Testing

/// The far sides of the outbound chat connections (`scripts/peers/slack_socket.py`, `mattermost_fake.py`, held
/// to slack_sdk's SocketModeClient and mattermostdriver by `check_fakes.py`) and a real `serve` process to
/// connect to them.
package enum SocketPeers {
    /// A fake started from the peers venv; it prints one `listening ...` line when ready.
    package final class Fake: @unchecked Sendable {
        package let process = Process()
        package let line: String

        package init(_ script: String, _ arguments: [String], dir: String) throws {
            process.executableURL = URL(fileURLWithPath: Peers.venvPython)
            process.arguments = [Fixtures.path("scripts/peers/\(script)")] + arguments
            let out = Pipe()
            process.standardOutput = out
            let err = dir + "/\(script).stderr"
            _ = FileManager.default.createFile(atPath: err, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: err)
            process.standardInput = FileHandle.nullDevice
            try process.run()
            var data = Data()
            while !data.contains(UInt8(ascii: "\n")) {
                let chunk = out.fileHandleForReading.availableData
                if chunk.isEmpty { break }
                data.append(chunk)
            }
            line = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard line.hasPrefix("listening") else {
                process.terminate()
                throw Peers.PeerError(message: "\(script) did not start: \((try? String(contentsOfFile: err, encoding: .utf8)) ?? "")")
            }
        }

        /// `key=value` words of the ready line (`http=P ws=W`), or the last word (`listening P`).
        package func port(_ key: String? = nil) -> Int {
            let words = line.split(separator: " ")
            if let key { return words.compactMap { $0.hasPrefix(key + "=") ? Int($0.dropFirst(key.count + 1)) : nil }.first ?? 0 }
            return Int(words.last ?? "") ?? 0
        }

        package func kill9() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }

        deinit {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }
    }

    /// `serve` with a config file and the environment given, stdout to a file.
    package final class Serve: @unchecked Sendable {
        package let process = Process()
        package let port: Int
        package let errPath: String

        package init(config: String, db: String, dir: String, environment: [String: String]) throws {
            port = Peers.freePort()
            process.executableURL = URL(fileURLWithPath: CLI.binary)
            process.arguments = ["serve", "--config", config, "--db", db, "--port", String(port)]
            process.currentDirectoryURL = URL(fileURLWithPath: Fixtures.root)
            var env = ProcessInfo.processInfo.environment
            for (k, v) in Fixtures.secrets(environment) { env[k] = v }
            process.environment = env
            process.standardInput = Pipe()
            _ = FileManager.default.createFile(atPath: dir + "/serve.out", contents: nil)
            errPath = dir + "/serve-\(port).err"
            _ = FileManager.default.createFile(atPath: errPath, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: dir + "/serve.out")
            process.standardError = FileHandle(forWritingAtPath: errPath)
            try process.run()
        }

        package var stderr: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }

        /// `/healthz`: status and text.
        package func health() async -> (status: Int, text: String) {
            let r = try? await SocketPeers.transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)/healthz"))
            return (r?.status ?? 0, r.map { String(decoding: $0.body, as: UTF8.self) } ?? "")
        }

        package func status(_ path: String, method: String = "POST") async -> Int {
            (try? await SocketPeers.transport.send(HTTPRequest(method: method, url: "http://127.0.0.1:\(port)\(path)")))?.status ?? 0
        }

        package func stop() {
            guard process.isRunning else { return }
            process.terminate()
            process.waitUntilExit()
        }

        deinit { stop() }
    }

    package static let transport = CurlTransport(connectTimeout: 2, timeout: 10, workers: 2)

    /// A control call to a fake: JSON in, JSON out.
    @discardableResult
    package static func control(_ port: Int, _ path: String, _ body: Any? = nil) async throws -> Any {
        let data = try body.map { try JSONSerialization.data(withJSONObject: $0) }
        let r = try await transport.send(
            HTTPRequest(
                method: body == nil ? "GET" : "POST",
                url: "http://127.0.0.1:\(port)\(path)",
                headers: [("Content-Type", "application/json")],
                body: data ?? Data()
            )
        )
        guard r.status < 300 else {
            throw Peers.PeerError(message: "\(path): HTTP \(r.status) \(String(decoding: r.body, as: UTF8.self))")
        }
        return try JSONSerialization.jsonObject(with: r.body, options: [.fragmentsAllowed])
    }

    /// The example config with `chat` replaced.
    package static func config(dir: String, chat: String) throws -> String {
        let text = try String(contentsOfFile: Fixtures.path("Examples/bridge.en.yaml"), encoding: .utf8)
        let replaced = text.replacingOccurrences(of: "chat:\n  console: {enabled: true}\n", with: "chat:\n" + chat)
        #expect(replaced != text)
        let path = dir + "/bridge.yaml"
        try replaced.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    package static func waitFor(_ seconds: Double, _ condition: () async throws -> Bool) async throws -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if try await condition() { return true }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        return try await condition()
    }

    /// Everything recorded in the bot's database: incidents and their timelines.
    package static func incidents(_ db: String) async throws -> [(Incident, [TimelineEntry])] {
        let store = try SQLiteStore(path: db)
        return try await store.read { r in
            try r.incidents(declaredSince: .distantPast).sorted { $0.id.rawValue < $1.id.rawValue }.map { ($0, try r.timeline($0.id)) }
        }
    }
}
