import BridgeTestSupport
import BridgeCore
import BridgePostgres
import BridgeStore
import BridgeTesting
import Foundation
import GRDB
import Testing

/// One message may not stop the bot: an inbound event is recorded before it is acted on, and an event whose
/// handling stopped the process is skipped (answered "could not be processed", logged, counted) when it is
/// delivered again, on SQLite and on two instances sharing PostgreSQL; the events after it are handled.
@Suite(.serialized) struct PoisonEventTests {
    let t0 = ManualClock.reference

    @Test(arguments: StoreKind.allCases) func aDeadAttemptIsPoisonALiveOneIsInHand(kind: StoreKind) async throws {
        let (store, another) = try kind.make()
        let clock = ManualClock(t0)
        let poisoned = Counter()
        let a = InboundGuard(attempts: store, instance: "a", clock: clock)
        let b = InboundGuard(attempts: try another(), instance: "b", clock: clock) { _, _ in poisoned.add() }
        // First delivery: acted on and settled.
        #expect(await a.begin("matrix:$1") == .act(settle: true))
        await a.finish("matrix:$1")
        // A repeat of a finished event is acted on (the command's own dedup answers it), by anyone.
        #expect(await b.begin("matrix:$1") == .act(settle: false))
        // Begun by `a` and never finished: `a` itself still has it in hand.
        #expect(await a.begin("matrix:$2") == .act(settle: true))
        #expect(await a.begin("matrix:$2") == .act(settle: false))
        if kind == .postgres {
            // On PostgreSQL `a` is alive while it holds its instance lease: `b` does not call the event poison.
            let lease = try await store.acquireLease(BridgeInstance.lease("a"))
            #expect(await b.begin("matrix:$2") == .act(settle: false))
            await lease?.release()
        }
        // `a` is gone: the event is poison for `b`, once; afterwards it is ignored.
        #expect(await b.begin("matrix:$2") == .poisoned(attempts: kind == .postgres ? 3 : 2))
        #expect(poisoned.value == 1)
        #expect(await b.begin("matrix:$2") == .ignore)
        #expect(poisoned.value == 1)
        // The next event is handled.
        #expect(await b.begin("matrix:$3") == .act(settle: true))
    }

    /// Alerts: an event in hand when its instance died is taken over and acted on once more (it may be an innocent
    /// alert of a killed process: skipping it would be a page nobody gets); dying again makes it poison.
    @Test(arguments: StoreKind.allCases) func anAlertIsRetriedOnceAfterACrash(kind: StoreKind) async throws {
        let (store, _) = try kind.make()
        let clock = ManualClock(t0)
        func guardOf(_ id: String) -> InboundGuard {
            var g = InboundGuard(attempts: store, instance: id, clock: clock)
            g.retriesAfterCrash = 1
            return g
        }
        #expect(await guardOf("a").begin("alertmanager:x") == .act(settle: true))
        // `a` died while acting: `b` takes it over and acts.
        #expect(await guardOf("b").begin("alertmanager:x") == .act(settle: true))
        // `b` died as well: poison for `c`.
        #expect(await guardOf("c").begin("alertmanager:x") == .poisoned(attempts: 2))
        #expect(await guardOf("d").begin("alertmanager:x") == .ignore)
        // An innocent one that `b` finished after taking it over stays done.
        #expect(await guardOf("a").begin("alertmanager:y") == .act(settle: true))
        #expect(await guardOf("b").begin("alertmanager:y") == .act(settle: true))
        await guardOf("b").finish("alertmanager:y")
        #expect(await guardOf("c").begin("alertmanager:y") == .act(settle: false))
    }

    /// An outbox row whose sending stopped the bot twice fails for good instead of stopping it a third time.
    @Test(arguments: StoreKind.allCases) func anOutboxRowInterruptedTwiceFails(kind: StoreKind) async throws {
        let (store, _) = try kind.make()
        let t0 = self.t0
        let id = try await store.write { tx in
            try tx.enqueue(OutboxMessage(incidentID: nil, destination: .console, kind: "info", text: "x", createdAt: t0))
        }
        // Taken, then the process dies (the row stays `sending`); the lease runs out and it is taken again: twice.
        #expect(try await store.markSending(id, at: t0, leaseUntil: t0.addingTimeInterval(60)))
        #expect(try await store.markSending(id, at: t0.addingTimeInterval(61), leaseUntil: t0.addingTimeInterval(121)))
        #expect(try await store.markSending(id, at: t0.addingTimeInterval(122), leaseUntil: t0.addingTimeInterval(182)))
        #expect(try await !store.markSending(id, at: t0.addingTimeInterval(183), leaseUntil: t0.addingTimeInterval(243)))
        #expect(try await store.outboxCounts()["failed"] == 1)
        // A row released on shutdown (pending again) is never counted as interrupted.
        let other = try await store.write { tx in
            try tx.enqueue(OutboxMessage(incidentID: nil, destination: .console, kind: "info", text: "y", createdAt: t0))
        }
        for k in 0..<4 {
            let at = t0.addingTimeInterval(Double(k) * 100)
            #expect(try await store.markSending(other, at: at, leaseUntil: at.addingTimeInterval(60)))
            try await store.release(other, next: at)
        }
    }

    /// The review's reproduction with a crash no fix removes (the test failpoint): a Matrix command stops `serve`
    /// inside the handler; restarted, the bot gets the same event from `/sync` again (its cursor is saved after
    /// acting), skips it with a one-line answer in the room, and answers the next command.
    @Test func aCommandThatCrashedServeIsSkippedOnRestart() async throws {
        let synapse = try await MatrixLiveTests.Synapse.start()
        defer { kill(synapse.pid, SIGKILL) }
        let dir = Fixtures.tempDir()
        let config = try Self.matrixConfig(synapse, dir: dir)
        let env = ["MATRIX_ACCESS_TOKEN": synapse.env["BOT_TOKEN"]!, "INCIDENT_BRIDGE_TEST_CRASH_ON": "POISONPILL"]
        let db = dir + "/bridge.sqlite"
        let first = try CrashRecoveryTests.ServeProcess(config: config, db: db, outPath: dir + "/bot1.txt", environment: env)
        #expect(
            try await MatrixLiveTests.wait(20) {
                try SQLiteStore(path: db).writer.read { db in
                    try String.fetchOne(db, sql: "SELECT value FROM kv WHERE key = 'matrix.since'")
                } != nil
            }
        )
        try await synapse.say("!incident declare db-outage sev2 POISONPILL", txn: "p1")
        #expect(try await MatrixLiveTests.wait(30) { !first.process.isRunning }, "the failpoint stopped serve inside the handler")
        first.process.waitUntilExit()
        #expect(first.process.terminationReason == .uncaughtSignal)
        // Restarted (as systemd would): the same event comes again and is skipped, not acted on.
        let second = try CrashRecoveryTests.ServeProcess(config: config, db: db, outPath: dir + "/bot2.txt", environment: env)
        defer { second.kill9() }
        #expect(
            try await MatrixLiveTests.wait(30) { try synapse.botMessages().contains { $0.contains("処理できませんでした") } },
            "the poison command was answered once in the room"
        )
        try await synapse.say("!incident declare db-outage sev1 注文DBに接続できない", txn: "p2")
        #expect(try await MatrixLiveTests.wait(30) { try synapse.botMessages().contains { $0.contains("【重大障害宣言】") } })
        #expect(second.process.isRunning)
        #expect(try synapse.botMessages().filter { $0.contains("処理できませんでした") }.count == 1)
        let store = try SQLiteStore(path: db)
        let incidents = try await store.read { try $0.incidents(declaredSince: .distantPast) }
        #expect(incidents.map(\.title) == ["注文DBに接続できない"])
        let states = try await store.writer.read { db in try String.fetchAll(db, sql: "SELECT state FROM inbound_attempts") }
        #expect(states.filter { $0 == "skipped" }.count == 1)
        #expect(states.filter { $0 == "done" }.count == 1)
    }

    /// Two instances on PostgreSQL: the instance polling Matrix dies on the event; the survivor takes the lease,
    /// gets the same event, skips it (its owner is gone) and answers the next command. Before the fix every
    /// instance died in turn.
    @Test func theSurvivorSkipsTheEventThatKilledTheOther() async throws {
        let synapse = try await MatrixLiveTests.Synapse.start()
        defer { kill(synapse.pid, SIGKILL) }
        let dir = Fixtures.tempDir()
        let url = try PostgresCluster.database()
        _ = try PostgresStore(url: url)
        let config = try Self.matrixConfig(synapse, dir: dir)
        let env = ["MATRIX_ACCESS_TOKEN": synapse.env["BOT_TOKEN"]!, "INCIDENT_BRIDGE_TEST_CRASH_ON": "POISONPILL"]
        let a = try CrashRecoveryTests.ServeProcess(config: config, db: url, outPath: dir + "/a.txt", environment: env)
        defer { a.kill9() }
        #expect(try await SocketPeers.waitFor(30) { (try? PostgresCluster.psql(url, "SELECT COUNT(*) FROM kv WHERE key = 'matrix.since'")) == "1" })
        let b = try CrashRecoveryTests.ServeProcess(config: config, db: url, outPath: dir + "/b.txt", environment: env)
        defer { b.kill9() }
        try await Task.sleep(nanoseconds: 2_000_000_000)
        try await synapse.say("!incident declare db-outage sev2 POISONPILL", txn: "q1")
        #expect(try await MatrixLiveTests.wait(30) { !a.process.isRunning }, "the lease holder died on the event")
        #expect(
            try await MatrixLiveTests.wait(60) { try synapse.botMessages().contains { $0.contains("処理できませんでした") } },
            "the survivor took the poll over and skipped the event"
        )
        #expect(b.process.isRunning)
        try await synapse.say("!incident declare db-outage sev1 注文DBに接続できない", txn: "q2")
        #expect(try await MatrixLiveTests.wait(30) { try synapse.botMessages().contains { $0.contains("【重大障害宣言】") } })
        #expect(b.process.isRunning)
        #expect(try PostgresCluster.psql(url, "SELECT COUNT(*) FROM incidents") == "1")
        #expect(try PostgresCluster.psql(url, "SELECT COUNT(*) FROM inbound_attempts WHERE state = 'skipped'") == "1")
    }

    static func matrixConfig(_ synapse: MatrixLiveTests.Synapse, dir: String) throws -> String {
        var config = try String(contentsOfFile: Fixtures.path("Examples/bridge.yaml"), encoding: .utf8)
        config = config.replacingOccurrences(of: "matrix: \"@suzuki:example.org\"", with: "matrix: \"@alice:localhost\"")
        config = config.replacingOccurrences(
            of: "  console: {enabled: true}",
            with: "  console: {enabled: true}\n  matrix: {homeserver: \"\(synapse.hs)\", access_token_env: MATRIX_ACCESS_TOKEN, "
                + "rooms: [\"\(synapse.env["ROOM_ID"]!)\"], auto_join: true}"
        )
        try config.write(toFile: dir + "/bridge.yaml", atomically: true, encoding: .utf8)
        return dir + "/bridge.yaml"
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var n = 0
        func add() { lock.withLock { n += 1 } }
        var value: Int { lock.withLock { n } }
    }
}
