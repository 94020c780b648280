import BridgeTestSupport
import BridgeCore
import BridgeServer
import BridgeStore
import BridgeTesting
import Foundation
import GRDB
import Logging
import Testing
import BridgePaging
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

@Suite struct TimerTests {
    struct Rig {
        let clock = ManualClock()
        let env: BridgeEnvironment
        let engine: TimerEngine
        init(_ file: String = "Examples/bridge.en.yaml", mutate: (inout BridgeConfiguration) -> Void = { _ in }) throws
        {
            env = try Fixtures.environment(file, clock: clock, mutate: mutate)
            engine = TimerEngine(config: env.config, store: env.store, outgoing: env.outgoing, clock: clock)
        }
        func timeline() async throws -> [TimelineEntry] {
            try await env.store.read { try $0.timeline(IncidentID("INC-20261126-001")) }
        }
        func kinds(_ k: TimelineKind) async throws -> [TimelineEntry] { try await timeline().filter { $0.kind == k } }
        /// Advances time minute by minute, firing what is due each time (as the scheduler would).
        func advance(minutes: Int) async throws {
            for _ in 0..<minutes {
                clock.advance(by: 60)
                try await engine.fireDue()
            }
        }
        func posts(_ kind: String) async throws -> [OutboxMessage] {
            try await env.sqliteStore.writer.read { db in
                try OutboxMessage.rows(db, kind: kind)
            }
        }
    }

    @Test func escalationStepsThenRepeatThenExhausted() async throws {
        let rig = try Rig()
        await rig.env.run("/incident declare db-outage sev1 Orders DB down")
        try await rig.advance(minutes: 14)
        #expect(try await rig.kinds(.escalated).isEmpty)
        try await rig.advance(minutes: 1)  // 15m: ops lead did not ack -> vendor PM
        var esc = try await rig.kinds(.escalated)
        #expect(esc.count == 1)
        #expect(esc[0].text == "escalated to Vendor PM: not acknowledged in 15m")
        let post = try #require(try await rig.posts("escalated").first)
        #expect(post.mentions.sorted() == ["ito"])  // the vendor PM on call (dev-oncall)
        try await rig.advance(minutes: 30)  // 45m -> business owner
        esc = try await rig.kinds(.escalated)
        #expect(esc.count == 2)
        #expect(esc[1].text.hasPrefix("escalated to Business owner"))
        try await rig.advance(minutes: 30)  // 75m -> repeat: round 2 starts at the ops lead
        esc = try await rig.kinds(.escalated)
        #expect(esc.count == 3)
        #expect(esc[2].text.contains("Operations lead") && esc[2].text.contains("round 2"))
        try await rig.advance(minutes: 45)  // round 2: vendor PM at 90m, business owner at 120m
        #expect(try await rig.kinds(.escalated).count == 5)
        try await rig.advance(minutes: 30)  // exhausted after repeat: 1
        let last = try await rig.kinds(.escalated)
        #expect(last.count == 6)
        #expect(last[5].text.contains("exhausted"))
        try await rig.advance(minutes: 120)
        #expect(try await rig.kinds(.escalated).count == 6)
    }

    @Test func ackStopsEscalation() async throws {
        let rig = try Rig()
        await rig.env.run("/incident declare db-outage sev1 Orders DB down")
        try await rig.advance(minutes: 10)
        await rig.env.run("/incident ack", as: "takahashi")
        try await rig.advance(minutes: 120)
        #expect(try await rig.kinds(.escalated).isEmpty)
        #expect(try await rig.kinds(.slaBreach).isEmpty)
    }

    @Test func manualEscalateJumpsAtOnce() async throws {
        let rig = try Rig()
        await rig.env.run("/incident declare db-outage sev1 Orders DB down")
        try await rig.advance(minutes: 2)
        await rig.env.run("/incident escalate no answer from ops")
        try await rig.engine.fireDue()
        let esc = try await rig.kinds(.escalated)
        #expect(esc.count == 1)
        #expect(esc[0].text.hasPrefix("escalated to Vendor PM"))
        // The policy continues from the vendor PM: 30m later the business owner.
        try await rig.advance(minutes: 30)
        #expect(try await rig.kinds(.escalated).count == 2)
    }

    @Test func slaWarningsAndBreach() async throws {
        let rig = try Rig()
        await rig.env.run("/incident declare db-outage sev1 Orders DB down")
        try await rig.advance(minutes: 15)  // 50% of first response
        var w = try await rig.kinds(.slaWarning)
        #expect(w.map(\.text) == ["first response SLA at 50% (15m left)"])
        try await rig.advance(minutes: 9)  // 24m = 80%
        w = try await rig.kinds(.slaWarning)
        #expect(w.count == 2)
        try await rig.advance(minutes: 6)  // 30m breach -> A
        let b = try await rig.kinds(.slaBreach)
        #expect(b.map(\.text) == ["first response SLA breached (target 30m)"])
        let breachPost = try #require(try await rig.posts("sla_breach").first)
        #expect(breachPost.mentions == ["sato"])
        let warnPost = try #require(try await rig.posts("sla_warning").first)
        #expect(warnPost.mentions == ["suzuki"])  // the R on duty (Thursday 10:00: the day lead), not the night lead
        await rig.env.run("/incident mitigate failover")
        try await rig.advance(minutes: 300)
        #expect(try await rig.kinds(.slaBreach).count == 1)  // the restore clock stopped
    }

    @Test func updateRemindersResetOnUpdate() async throws {
        let rig = try Rig()
        await rig.env.run("/incident declare db-outage sev1 Orders DB down")
        await rig.env.run("/incident ack")
        try await rig.advance(minutes: 20)
        await rig.env.run("/incident update investigating")
        try await rig.advance(minutes: 29)
        #expect(try await rig.kinds(.reminder).isEmpty)
        try await rig.advance(minutes: 1)  // 30m after the update
        #expect(try await rig.kinds(.reminder).count == 1)
        try await rig.advance(minutes: 30)
        #expect(try await rig.kinds(.reminder).count == 2)
        await rig.env.run("/incident resolve fixed")
        try await rig.advance(minutes: 120)
        #expect(try await rig.kinds(.reminder).count == 2)
    }

    @Test func overdueTimerFiresOnceAndSaysHowLate() async throws {
        let rig = try Rig()
        await rig.env.run("/incident declare db-outage sev1 Orders DB down")
        rig.clock.advance(by: 20 * 60)  // the process was down: nothing fired for 20 minutes
        let a = try await rig.engine.fireDue()
        let b = try await rig.engine.fireDue()
        #expect(a > 0 && b == 0)
        let esc = try await rig.kinds(.escalated)
        #expect(esc.count == 1)
        #expect(esc[0].text.contains("(fired 5m late)"))
    }

    @Test func concurrentFiringFiresOnce() async throws {
        let rig = try Rig()
        await rig.env.run("/incident declare db-outage sev1 Orders DB down")
        rig.clock.advance(by: 16 * 60)
        let due = try await rig.env.store.read { try $0.dueTimers(now: rig.clock.now(), limit: 100) }
        let esc = try #require(due.first { $0.kind == .escalation })
        async let x = rig.engine.fire(esc)
        async let y = rig.engine.fire(esc)
        let results = try await [x, y]
        #expect(results.filter { $0 }.count == 1)
        #expect(try await rig.kinds(.escalated).count == 1)
    }

    /// The scheduler sleeps on the clock until the next due timer and a commit wakes it: with no timer it waits
    /// for a commit only, so the escalation firing at all proves the wake-up; the woken sleep is cancelled and
    /// leaves the clock (one sleeper, not two).
    @Test func schedulerServiceSleepsUntilDueAndWakesOnCommit() async throws {
        let clock = ManualClock()
        let config = try Fixtures.config("Examples/bridge.en.yaml")
        let parts = try BridgeServer.parts(
            config: config,
            dbPath: Fixtures.tempDir() + "/s.sqlite",
            clock: clock,
            settings: try PlatformSettings(config: config, environment: Fixtures.secrets()),
            templates: Fixtures.path("Templates"),
            logger: Logger(label: "test")
        )
        let task = Task { try await parts.scheduler.run() }
        defer { task.cancel() }
        func eventually(_ ok: () async throws -> Bool) async throws -> Bool {
            for _ in 0..<100 {
                if try await ok() { return true }
                try await Task.sleep(nanoseconds: 20_000_000)
            }
            return try await ok()
        }
        // Nothing is due: the scheduler waits for a commit, not on the clock.
        #expect(try await eventually { parts.schedulerBeat.lastBeat != nil })
        try await Task.sleep(nanoseconds: 100_000_000)
        #expect(clock.sleeperCount == 0)
        await parts.environment.run("/incident declare db-outage sev1 Orders DB down")
        #expect(try await eventually { clock.sleeperCount == 1 }, "the commit woke the scheduler; it sleeps until due")
        func escalations(_ id: String) async throws -> Int {
            try await parts.environment.store.read { try $0.timeline(IncidentID(id)) }.filter { $0.kind == .escalated }
                .count
        }
        #expect(try await escalations("INC-20261126-001") == 0)
        clock.advance(by: 15 * 60)
        #expect(try await eventually { try await escalations("INC-20261126-001") == 1 })
        // A second incident while the scheduler sleeps: the commit cancels that sleep (it leaves the clock).
        #expect(try await eventually { clock.sleeperCount == 1 })
        await parts.environment.run("/incident declare db-outage sev1 Payments down")
        try await Task.sleep(nanoseconds: 300_000_000)
        #expect(clock.sleeperCount == 1, "the woken sleep was cancelled, not left behind")
        clock.advance(by: 15 * 60)
        #expect(try await eventually { try await escalations("INC-20261126-002") == 1 })
    }
}

extension OutboxMessage {
    static func rows(_ db: GRDB.Database, kind: String) throws -> [OutboxMessage] {
        try GRDB.Row.fetchAll(
            db,
            sql: "SELECT * FROM outbox WHERE kind = ? AND platform = 'console' ORDER BY id",
            arguments: [kind]
        ).map { r in
            OutboxMessage(
                id: r["id"],
                incidentID: nil,
                destination: .console,
                kind: r["kind"],
                text: r["text"],
                mentions: (try? JSONDecoder().decode([String].self, from: Data((r["mentions"] as String).utf8))) ?? [],
                createdAt: Date(timeIntervalSince1970: r["created_at"])
            )
        }
    }
}
