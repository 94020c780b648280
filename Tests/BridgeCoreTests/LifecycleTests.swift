import BridgeTestSupport
import BridgeCore
import BridgeTesting
import Foundation
import Testing
import BridgePaging
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

@Suite struct LifecycleTests {
    let config: BridgeConfiguration
    let lifecycle: IncidentLifecycle
    let t0 = ManualClock.reference

    init() throws {
        config = try Fixtures.config()
        lifecycle = IncidentLifecycle(config: config)
    }

    func declared() throws -> LifecycleEffects {
        try lifecycle.declare(
            id: IncidentID("INC-20261126-001"),
            eventType: "db-outage",
            severity: "sev1",
            title: "注文DBに接続できない",
            actor: "suzuki",
            at: t0,
            origin: .console
        ).get()
    }

    @Test func declareResolvesRACIAndSchedulesClocks() throws {
        let fx = try declared()
        #expect(fx.incident.accountable == ["sato"])
        #expect(fx.incident.responsible == ["suzuki", "takahashi"])
        #expect(fx.incident.consulted.contains("tanaka"))
        #expect(fx.timeline.map(\.kind) == [.declared])
        let escalation = try #require(fx.schedule.first { $0.kind == .escalation })
        #expect(escalation.step == 1)
        #expect(escalation.dueAt == t0.addingTimeInterval(15 * 60))
        let breaches = fx.schedule.filter { $0.kind == .slaBreach }.map { $0.dueAt.timeIntervalSince(t0) }.sorted()
        #expect(breaches == [30 * 60, 4 * 3600])
        let warnings = fx.schedule.filter { $0.kind == .slaWarning && $0.clock == .firstResponse }.map {
            $0.dueAt.timeIntervalSince(t0)
        }.sorted()
        #expect(warnings == [15 * 60, 24 * 60])
        #expect(fx.schedule.contains { $0.kind == .updateReminder && $0.dueAt == t0.addingTimeInterval(30 * 60) })
        #expect(fx.posts.map(\.kind) == [.declare])
    }

    @Test func unknownEventTypeAndSeverityAreRefused() {
        let a = lifecycle.declare(
            id: IncidentID("INC-20261126-001"),
            eventType: "nope",
            severity: nil,
            title: "x",
            actor: "suzuki",
            at: t0,
            origin: .console
        )
        #expect(throws: LifecycleError.self) { try a.get() }
        let b = lifecycle.declare(
            id: IncidentID("INC-20261126-001"),
            eventType: "db-outage",
            severity: "sev9",
            title: "x",
            actor: "suzuki",
            at: t0,
            origin: .console
        )
        #expect(throws: LifecycleError.self) { try b.get() }
    }

    @Test func fullLifecycle() throws {
        var inc = try declared().incident
        let ack = try lifecycle.apply(.acknowledge, to: inc, actor: "takahashi", at: t0.addingTimeInterval(300)).get()
        #expect(ack.incident.state == .acknowledged)
        #expect(ack.cancel.contains(.escalation))
        #expect(ack.cancel.contains(.clock(.firstResponse)))
        inc = ack.incident
        let upd = try lifecycle.apply(.update("原因調査中"), to: inc, actor: "takahashi", at: t0.addingTimeInterval(600))
            .get()
        #expect(upd.cancel == [.updateReminder])
        #expect(upd.schedule.first?.dueAt == t0.addingTimeInterval(600 + 1800))
        inc = upd.incident
        let mit = try lifecycle.apply(.mitigate("切替"), to: inc, actor: "takahashi", at: t0.addingTimeInterval(900))
            .get()
        #expect(mit.incident.state == .mitigated)
        inc = mit.incident
        let res = try lifecycle.apply(
            .resolve("フェイルオーバーで復旧"),
            to: inc,
            actor: "takahashi",
            at: t0.addingTimeInterval(1200)
        ).get()
        #expect(res.incident.state == .resolved)
        #expect(res.cancel == [.all])
        inc = res.incident
        let close = try lifecycle.apply(.close, to: inc, actor: "sato", at: t0.addingTimeInterval(1300)).get()
        #expect(close.incident.state == .closed)
    }

    @Test func illegalTransitionsChangeNothing() throws {
        let inc = try declared().incident
        let acked = try lifecycle.apply(.acknowledge, to: inc, actor: "takahashi", at: t0.addingTimeInterval(60)).get()
            .incident
        let twice = lifecycle.apply(.acknowledge, to: acked, actor: "suzuki", at: t0.addingTimeInterval(120))
        guard case .failure(let e) = twice else {
            Issue.record("second ack accepted")
            return
        }
        #expect(e.kind == .state)
        #expect(e.text(config.words, .en).contains("already acknowledged by takahashi at 10:01"))
        #expect(throws: LifecycleError.self) { try lifecycle.apply(.close, to: acked, actor: "sato", at: t0).get() }
        var closed = acked
        closed.state = .closed
        #expect(throws: LifecycleError.self) {
            try lifecycle.apply(.resolve("x"), to: closed, actor: "sato", at: t0).get()
        }
        #expect(throws: LifecycleError.self) {
            try lifecycle.apply(.note("x"), to: closed, actor: "sato", at: t0).get()
        }
        var resolved = acked
        resolved.state = .resolved
        #expect(throws: LifecycleError.self) {
            try lifecycle.apply(.update("x"), to: resolved, actor: "sato", at: t0).get()
        }
        #expect(throws: LifecycleError.self) {
            try lifecycle.apply(.mitigate(nil), to: resolved, actor: "sato", at: t0).get()
        }
    }

    @Test func escalateRequestSchedulesTheNextStepNow() throws {
        let inc = try declared().incident
        let fx = try lifecycle.apply(
            .escalateRequest(reason: "no answer"),
            to: inc,
            actor: "suzuki",
            at: t0.addingTimeInterval(60)
        ).get()
        #expect(fx.cancel == [.escalation])
        #expect(
            fx.schedule == [
                IncidentTimer(
                    incidentID: inc.id,
                    kind: .escalation,
                    step: 1,
                    round: 0,
                    dueAt: t0.addingTimeInterval(60)
                )
            ]
        )
    }

    @Test func maintenanceWindowSecondFriday() throws {
        let cal = MaintenanceCalendar(config: config)
        // 2026-12-11 is the 2nd Friday of December 2026; 23:30 JST = 14:30 UTC.
        let inside = ISO8601DateFormatter().date(from: "2026-12-11T14:30:00Z")!
        let nextMorning = ISO8601DateFormatter().date(from: "2026-12-11T19:30:00Z")!  // Sat 04:30 JST
        let after = ISO8601DateFormatter().date(from: "2026-12-11T20:30:00Z")!  // Sat 05:30 JST
        let firstFriday = ISO8601DateFormatter().date(from: "2026-12-04T14:30:00Z")!
        #expect(cal.window(containing: inside) != nil)
        #expect(cal.window(containing: nextMorning) != nil)
        #expect(cal.window(containing: after) == nil)
        #expect(cal.window(containing: firstFriday) == nil)
    }
}
