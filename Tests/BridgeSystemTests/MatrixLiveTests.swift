import BridgeTestSupport
import BridgeCore
import BridgeStore
import BridgeTesting
import Foundation
import GRDB
import Testing
import BridgePaging
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

/// A real Synapse (from PyPI, started by scripts/peers/synapse.sh) and a real `serve` process polling it.
@Suite(.serialized) struct MatrixLiveTests {
    struct Synapse {
        let dir: String
        let env: [String: String]
        var hs: String { env["HS"]! }

        /// Runs synapse.sh and waits (without blocking a thread of the cooperative pool) for its env file.
        static func start() async throws -> Synapse {
            let dir = Fixtures.tempDir()
            let port = Peers.freePort()
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = [Fixtures.path("scripts/peers/synapse.sh")]
            var e = ProcessInfo.processInfo.environment
            e["PORT"] = String(port)
            e["DIR"] = dir
            e["PY"] = Peers.python
            p.environment = e
            p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            p.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try p.run()
            let end = Date().addingTimeInterval(120)
            while Date() < end, !FileManager.default.fileExists(atPath: dir + "/env") {
                try await Task.sleep(nanoseconds: 200_000_000)
            }
            try await Task.sleep(nanoseconds: 200_000_000)
            guard let text = try? String(contentsOfFile: dir + "/env", encoding: .utf8) else {
                throw Peers.PeerError(message: "synapse.sh failed (run make peers)")
            }
            var env: [String: String] = [:]
            for line in text.split(separator: "\n") {
                let kv = line.split(separator: "=", maxSplits: 1).map(String.init)
                if kv.count == 2 { env[kv[0]] = kv[1] }
            }
            return Synapse(dir: dir, env: env)
        }

        var pid: Int32 { Int32(env["SYNAPSE_PID"] ?? "0") ?? 0 }
        func stop() {
            kill(pid, SIGKILL)
            usleep(300_000)
        }

        /// Starts the same homeserver again (same data); returns its new pid.
        func restart() throws -> Int32 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            // The background group must not hold our stdout pipe, or reading the pid would never see EOF.
            p.arguments = [
                "-c",
                "(cd '\(dir)' && exec '\(Peers.python)' -m synapse.app.homeserver -c homeserver.yaml) "
                    + "> '\(dir)/synapse2.stdout' 2>&1 < /dev/null & echo $!",
            ]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let pid =
                Int32(
                    String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                        .trimmingCharacters(in: .whitespacesAndNewlines)
                ) ?? 0
            return pid
        }

        func curl(_ args: [String]) throws -> String {
            try Peers.run("/usr/bin/curl", ["-s"] + args).stdout
        }

        /// Alice posts `text`; retried (same txn id, so at most one message) until the homeserver answers.
        func say(_ text: String, txn: String) async throws {
            let room = env["ROOM_ID"]!.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let body = String(
                decoding: try JSONSerialization.data(withJSONObject: ["msgtype": "m.text", "body": text]),
                as: UTF8.self
            )
            for _ in 0..<60 {
                let out = try curl([
                    "-X", "PUT", "\(hs)/_matrix/client/v3/rooms/\(room)/send/m.room.message/\(txn)",
                    "-H", "Authorization: Bearer \(env["ALICE_TOKEN"]!)", "-H", "Content-Type: application/json",
                    "-d", body,
                ])
                if out.contains("event_id") { return }
                try await Task.sleep(nanoseconds: 500_000_000)
            }
            throw Peers.PeerError(message: "could not post to the room")
        }

        /// Bodies of the bot's messages in the room, oldest first.
        func botMessages() throws -> [String] {
            let room = env["ROOM_ID"]!.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
            let text = try curl([
                "\(hs)/_matrix/client/v3/rooms/\(room)/messages?dir=b&limit=100",
                "-H", "Authorization: Bearer \(env["ALICE_TOKEN"]!)",
            ])
            let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
            let chunk = json?["chunk"] as? [[String: Any]] ?? []
            return chunk.reversed().filter {
                $0["sender"] as? String == "@bot:localhost" && $0["type"] as? String == "m.room.message"
            }
            .compactMap { ($0["content"] as? [String: Any])?["body"] as? String }
        }
    }

    static func wait(_ seconds: Double, _ ok: () throws -> Bool) async throws -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if (try? ok()) == true { return true }
            try await Task.sleep(nanoseconds: 250_000_000)
        }
        return try ok()
    }

    @Test func commandsInTheRoomRestartAndOutage() async throws {
        let synapse = try await Synapse.start()
        var synapsePID = synapse.pid
        defer { kill(synapsePID, SIGKILL) }
        let dir = Fixtures.tempDir()
        var config = try String(contentsOfFile: Fixtures.path("Examples/bridge.yaml"), encoding: .utf8)
        config = config.replacingOccurrences(
            of: "matrix: \"@suzuki:example.org\"",
            with: "matrix: \"@alice:localhost\""
        )
        let matrixLine =
            "  matrix: {homeserver: \"\(synapse.hs)\", access_token_env: MATRIX_ACCESS_TOKEN, "
            + "rooms: [\"\(synapse.env["ROOM_ID"]!)\"], auto_join: true}"
        config = config.replacingOccurrences(
            of: "  console: {enabled: true}",
            with: "  console: {enabled: true}\n" + matrixLine
        )
        #expect(config.contains("access_token_env: MATRIX_ACCESS_TOKEN"))
        try config.write(toFile: dir + "/bridge.yaml", atomically: true, encoding: .utf8)
        let botEnv = ["MATRIX_ACCESS_TOKEN": synapse.env["BOT_TOKEN"]!]
        let db = dir + "/bridge.sqlite"
        var bot = try CrashRecoveryTests.ServeProcess(
            config: dir + "/bridge.yaml",
            db: db,
            outPath: dir + "/bot1.txt",
            environment: botEnv
        )
        defer { bot.kill9() }
        // The first start skips history; give it a moment to take its first sync token.
        #expect(
            try await Self.wait(15) {
                try SQLiteStore(path: db).writer.read { db in
                    try String.fetchOne(db, sql: "SELECT value FROM kv WHERE key = 'matrix.since'")
                } != nil
            }
        )
        try await synapse.say("!incident declare db-outage sev1 注文DBに接続できない", txn: "t1")
        #expect(try await Self.wait(20) { try synapse.botMessages().contains { $0.contains("【重大障害宣言】") } })
        try await synapse.say("!incident ack", txn: "t2")
        // The ack post and, after it, the reply to the command (": 了解しました").
        #expect(try await Self.wait(20) { try synapse.botMessages().contains { $0.contains("エスカレーションを停止しました") } })
        #expect(try await Self.wait(20) { try synapse.botMessages().contains { $0.contains(": 了解しました") } })
        let before = try synapse.botMessages()
        // Restart the bot: nothing is posted twice and no old message is acted on again.
        bot.stop()
        bot = try CrashRecoveryTests.ServeProcess(
            config: dir + "/bridge.yaml",
            db: db,
            outPath: dir + "/bot2.txt",
            environment: botEnv
        )
        try await Task.sleep(nanoseconds: 4_000_000_000)
        #expect(try synapse.botMessages() == before)
        #expect(before.filter { $0.contains("【重大障害宣言】") }.count == 1)
        // Synapse down for 10 s: the bot keeps running and catches up.
        synapse.stop()
        try await Task.sleep(nanoseconds: 10_000_000_000)
        #expect(bot.process.isRunning)
        synapsePID = try synapse.restart()
        #expect(try await Self.wait(30) { Sink.canConnect(Int(URL(string: synapse.hs)!.port!)) })
        try await synapse.say("!incident update 原因調査中", txn: "t3")
        #expect(try await Self.wait(90) { try synapse.botMessages().contains { $0.contains("原因調査中") } })
        let store = try SQLiteStore(path: db)
        let entries = try await store.read { r in
            try r.incidents(declaredSince: .distantPast).flatMap { try r.timeline($0.id) }
        }
        #expect(entries.filter { $0.kind == .declared }.count == 1)
        #expect(entries.filter { $0.kind == .acknowledged }.count == 1)
        #expect(entries.filter { $0.kind == .update }.count == 1)
        #expect(bot.process.isRunning)
    }
}
