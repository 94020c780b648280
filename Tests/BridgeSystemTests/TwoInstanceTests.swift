import BridgeTestSupport
import BridgeCore
import BridgePostgres
import Foundation
import Testing

/// Two `serve` processes on one PostgreSQL database, commands sent to both, one of them killed with -9 at random
/// moments and started again: every escalation fires exactly once, every post is delivered exactly once as a
/// row, incident numbers never collide, and the single-consumer loop (retention's lease) moves to the survivor.
/// `TWO_INSTANCE_TRIALS` sets the number of kills (default 6; the 50 with `TWO_INSTANCE_TRIALS=50`).
@Suite(.serialized) struct TwoInstanceTests {
    final class Instance: @unchecked Sendable {
        let process = Process()
        let stdin = Pipe()
        let errPath: String

        init(name: String, config: String, db: String, dir: String) throws {
            process.executableURL = URL(fileURLWithPath: CLI.binary)
            process.arguments = ["serve", "--config", config, "--db", db, "--port", String(Peers.freePort()), "--as", "suzuki"]
            process.currentDirectoryURL = URL(fileURLWithPath: Fixtures.root)
            var env = ProcessInfo.processInfo.environment
            for (k, v) in Fixtures.secrets() { env[k] = v }
            process.environment = env
            process.standardInput = stdin
            errPath = dir + "/\(name)-\(UUID().uuidString.prefix(6)).err"
            _ = FileManager.default.createFile(atPath: errPath, contents: nil)
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = FileHandle(forWritingAtPath: errPath)
            try process.run()
        }

        func send(_ line: String) { stdin.fileHandleForWriting.write(Data((line + "\n").utf8)) }
        var log: String { (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "" }
        func kill9() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        func stop() {
            if process.isRunning {
                process.terminate()
                process.waitUntilExit()
            }
        }
        deinit { stop() }
    }

    static func count(_ url: String, _ sql: String) throws -> Int {
        Int(try PostgresCluster.psql(url, sql)) ?? -1
    }

    @Test func killNineAtRandomMomentsLosesAndRepeatsNothing() async throws {
        let trials = Int(ProcessInfo.processInfo.environment["TWO_INSTANCE_TRIALS"] ?? "") ?? 6
        let dir = Fixtures.tempDir()
        let url = try PostgresCluster.database()
        let config = try CrashRecoveryTests.config(dir: dir)  // the first escalation step after 1 s
        // Migrate once before two instances start (they would wait on the same advisory lock anyway).
        _ = try PostgresStore(url: url)
        var a = try Instance(name: "a", config: config, db: url, dir: dir)
        let b = try Instance(name: "b", config: config, db: url, dir: dir)
        var sent = 0
        func declare(_ on: Instance) {
            sent += 1
            on.send("/incident declare db-outage sev1 storm #\(sent)")
        }
        // Both take commands.
        for i in 0..<20 { declare(i % 2 == 0 ? a : b) }
        #expect(try await SocketPeers.waitFor(30) { try Self.count(url, "SELECT COUNT(*) FROM incidents") == 20 })
        // Kill A at random moments while escalations come due, start it again; B keeps taking commands.
        for _ in 0..<trials {
            for _ in 0..<3 { declare(b) }
            try await Task.sleep(nanoseconds: UInt64.random(in: 0...1_500_000_000))
            a.kill9()
            try await Task.sleep(nanoseconds: UInt64.random(in: 100_000_000...600_000_000))
            a = try Instance(name: "a", config: config, db: url, dir: dir)
            for _ in 0..<2 { declare(a) }
            // A command counts once the bot took it: lines still in the pipe of a process killed before it read
            // them were never received (a chat platform would show the sender an error).
            let expected = sent
            #expect(try await SocketPeers.waitFor(30) { try Self.count(url, "SELECT COUNT(*) FROM incidents") == expected })
        }
        #expect(try await SocketPeers.waitFor(30) { try Self.count(url, "SELECT COUNT(*) FROM incidents") == sent })
        // Every first-step escalation (1 s) fires once; a post left "sending" by a killed instance is taken over
        // when its 60 s lease ends.
        let fired = try await SocketPeers.waitFor(120) {
            let timers = try Self.count(url, "SELECT COUNT(*) FROM timers WHERE step = 1 AND kind = 'escalation' AND fired_at IS NULL AND cancelled_at IS NULL")
            let unsent = try Self.count(url, "SELECT COUNT(*) FROM outbox WHERE status <> 'sent'")
            return timers == 0 && unsent == 0
        }
        #expect(fired, "escalations fired and posts sent")
        #expect(try Self.count(url, "SELECT COUNT(DISTINCT id) FROM incidents") == sent)
        #expect(
            try Self.count(url, "SELECT COUNT(*) FROM (SELECT day, seq FROM incidents GROUP BY day, seq HAVING COUNT(*) > 1) d") == 0
        )
        let perIncident = try PostgresCluster.psql(
            url,
            "SELECT COUNT(*) FROM timeline WHERE kind = 'escalated' GROUP BY incident_id ORDER BY 1"
        ).split(separator: "\n").map(String.init)
        #expect(perIncident.count == sent && Set(perIncident) == ["1"], "one escalation entry per incident: \(Set(perIncident))")
        #expect(try Self.count(url, "SELECT COUNT(*) FROM timers WHERE kind = 'escalation' AND step = 1 AND fired_at IS NOT NULL") == sent)
        let posts = try PostgresCluster.psql(
            url,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'escalated' GROUP BY incident_id"
        ).split(separator: "\n").map(String.init)
        #expect(posts.count == sent && Set(posts).count == 1, "the same escalation posts for every incident: \(Set(posts))")
        // The single-consumer loops' leases (retention here; Matrix and Mattermost the same way): with A dead for
        // good, B holds them within 30 s.
        a.kill9()
        let start = Date()
        #expect(
            try await SocketPeers.waitFor(30) {
                let locks = try Self.count(url, "SELECT COUNT(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
                return b.log.contains("lease taken: running here") && locks >= 1
            },
            "the survivor took the lease"
        )
        #expect(Date().timeIntervalSince(start) < 30)
        // A timer made by an instance that dies right after: the survivor fires it without being woken by anything
        // but its own polling.
        let c = try Instance(name: "c", config: config, db: url, dir: dir)
        declare(b)
        let last = sent
        #expect(try await SocketPeers.waitFor(30) { try Self.count(url, "SELECT COUNT(*) FROM incidents") == last })
        b.kill9()
        #expect(
            try await SocketPeers.waitFor(20) {
                try Self.count(url, "SELECT COUNT(*) FROM timers WHERE kind = 'escalation' AND step = 1 AND fired_at IS NOT NULL") == last
            },
            "the survivor fired the dead instance's timer"
        )
        c.stop()
    }

    /// The Matrix poller runs on one instance (its lease); when that instance is killed, the other takes the poll
    /// over from the same `since` token within 30 s: the next command in the room is answered, once.
    @Test func theMatrixPollerMovesToTheSurvivor() async throws {
        let synapse = try await MatrixLiveTests.Synapse.start()
        defer { kill(synapse.pid, SIGKILL) }
        let dir = Fixtures.tempDir()
        let url = try PostgresCluster.database()
        _ = try PostgresStore(url: url)
        let config = try PoisonEventTests.matrixConfig(synapse, dir: dir)
        let env = ["MATRIX_ACCESS_TOKEN": synapse.env["BOT_TOKEN"]!]
        let a = try CrashRecoveryTests.ServeProcess(config: config, db: url, outPath: dir + "/a.txt", environment: env)
        // A holds the lease (it started first) once it has its first sync token.
        #expect(try await SocketPeers.waitFor(30) { (try? PostgresCluster.psql(url, "SELECT COUNT(*) FROM kv WHERE key = 'matrix.since'")) == "1" })
        let b = try CrashRecoveryTests.ServeProcess(config: config, db: url, outPath: dir + "/b.txt", environment: env)
        defer { b.stop() }
        try await synapse.say("!incident declare db-outage sev1 注文DBに接続できない", txn: "m1")
        #expect(try await MatrixLiveTests.wait(30) { try synapse.botMessages().contains { $0.contains("【重大障害宣言】") } })
        a.kill9()
        let killed = Date()
        try await synapse.say("!incident ack", txn: "m2")
        #expect(
            try await MatrixLiveTests.wait(40) { try synapse.botMessages().contains { $0.contains(": 了解しました") } },
            "the survivor answered the command in the room"
        )
        #expect(Date().timeIntervalSince(killed) < 40)
        try await Task.sleep(nanoseconds: 3_000_000_000)
        #expect(try PostgresCluster.psql(url, "SELECT COUNT(*) FROM timeline WHERE kind = 'acknowledged'") == "1")
        #expect(try PostgresCluster.psql(url, "SELECT COUNT(*) FROM incidents") == "1", "the declaration was not acted on twice")
    }
}
