import BridgeTestSupport
import BridgeCore
import BridgePostgres
import BridgeSQL
import BridgeStore
import BridgeTesting
import Foundation
import Testing

/// One suite, both stores: what the core and the loops rely on, including what several instances on one
/// database rely on (two handles on the same data stand for two instances).
@Suite(.serialized) struct StoreConformanceTests {
    let t0 = ManualClock.reference

    func incident(_ id: String, state: IncidentState = .declared, at: Date? = nil, group: String? = nil) -> Incident {
        var i = Incident(id: IncidentID(id), eventType: "db-outage", severity: "sev1", title: "t <&> \"q\" 日本", declaredAt: at ?? t0, declaredBy: "suzuki")
        i.state = state
        i.alertGroupKey = group
        return i
    }

    @Test(arguments: StoreKind.selected) func oneCommandIsOneTransaction(kind: StoreKind) async throws {
        let (store, _) = try kind.make()
        let inc = incident("INC-20261126-001")
        let t0 = self.t0
        try await store.write { tx in
            #expect(try tx.nextIncidentSequence(day: "20261126") == 1)
            try tx.insert(inc)
            try tx.append(TimelineEntry(incidentID: inc.id, at: t0, actor: "suzuki", kind: .declared, text: "x \u{1} ü"))
            try tx.schedule(IncidentTimer(incidentID: inc.id, kind: .escalation, step: 1, round: 0, dueAt: t0.addingTimeInterval(900)), at: t0)
            try tx.schedule(IncidentTimer(incidentID: inc.id, kind: .slaBreach, clock: .restore, fraction: 1, dueAt: t0.addingTimeInterval(9000)), at: t0)
            try tx.enqueue(OutboxMessage(incidentID: inc.id, destination: .console, kind: "declare", text: "hello", createdAt: t0))
            #expect(try tx.nextIncidentSequence(day: "20261126") == 2)
        }
        let (loaded, entries, timers) = try await store.read { r in
            (try r.incident(inc.id), try r.timeline(inc.id), try r.pendingTimers(inc.id))
        }
        #expect(loaded == inc)
        #expect(entries.map(\.text) == ["x \u{1} ü"] && entries.first?.at == t0)
        #expect(timers.map(\.kind) == [.escalation, .slaBreach] && timers[1].clock == .restore && timers[0].step == 1)
        try await store.write { tx in try tx.cancelTimers(inc.id, .escalation, at: t0) }
        #expect(try await store.read { try $0.pendingTimers(inc.id) }.map(\.kind) == [.slaBreach])
        #expect(try await store.dueMessages(now: t0, platforms: ["console"], limit: 10).map(\.text) == ["hello"])
        // A failing body leaves nothing behind.
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await store.write { tx in
                try tx.insert(self.incident("INC-20261126-002"))
                try tx.append(TimelineEntry(incidentID: IncidentID("INC-20261126-002"), at: t0, actor: "x", kind: .note, text: "y"))
                throw Boom()
            }
        }
        #expect(try await store.read { try $0.incident(IncidentID("INC-20261126-002")) } == nil)
        // An update of an incident that is not there is the same error on both stores.
        let missing = await #expect(throws: StoreError.self) {
            try await store.write { tx in try tx.update(self.incident("INC-20991231-001")) }
        }
        #expect(missing?.code == .notFound, "\(String(describing: missing))")
    }

    /// Drift between the stores: a NULL where the schema promises a value reads back as the same `StoreError`
    /// on both (no trap, no `""` or `distantPast` standing in for it).
    @Test(arguments: StoreKind.selected) func aNullWhereTheSchemaPromisesAValueIsTheSameError(kind: StoreKind) async throws {
        let (store, _) = try kind.make()
        let sql = try #require(store as? any SQLStore)
        let inc = incident("INC-20261126-001")
        let t0 = self.t0
        try await store.write { tx in
            try tx.insert(inc)
            try tx.append(TimelineEntry(incidentID: inc.id, at: t0, actor: "suzuki", kind: .declared, text: "x"))
        }
        // A column the schema keeps NOT NULL is loosened and emptied behind the store's back (a damaged or
        // hand-edited database).
        try await sql.sqlWrite { db in
            switch db.dialect {
            case .postgres:
                try db.execute("ALTER TABLE timeline ALTER COLUMN actor DROP NOT NULL")
            case .sqlite:
                try db.execute(
                    "CREATE TABLE timeline_loose (id INTEGER PRIMARY KEY AUTOINCREMENT, incident_id TEXT, at REAL, actor TEXT, kind TEXT, text TEXT)"
                )
                try db.execute("INSERT INTO timeline_loose SELECT id, incident_id, at, actor, kind, text FROM timeline")
                try db.execute("DROP TABLE timeline")
                try db.execute("ALTER TABLE timeline_loose RENAME TO timeline")
            }
            try db.execute("UPDATE timeline SET actor = NULL WHERE incident_id = ?", [.text(inc.id.rawValue)])
        }
        let broken = await #expect(throws: StoreError.self) { try await store.read { try $0.timeline(inc.id) } }
        #expect(broken?.code == .corrupt(column: "actor"), "\(String(describing: broken))")
    }

    /// Drift between the stores: creation times are the caller's clock, never the store's own `Date()`.
    @Test(arguments: StoreKind.selected) func creationTimesComeFromTheInjectedClock(kind: StoreKind) async throws {
        let (store, _) = try kind.make()
        let sql = try #require(store as? any SQLStore)
        let clock = ManualClock()
        let now = clock.now()
        let inc = incident("INC-20261126-001")
        try await store.write { tx in
            try tx.insert(inc)
            try tx.schedule(IncidentTimer(incidentID: inc.id, kind: .escalation, step: 1, round: 0, dueAt: now.addingTimeInterval(900)), at: now)
            try tx.enqueue(OutboxMessage(incidentID: inc.id, destination: .console, kind: "declare", text: "hello", createdAt: now))
        }
        #expect(try await store.beginInbound("evt-1", owner: "a", at: now) == nil)
        #expect(try await store.laneHeads(limit: 10).map(\.createdAt) == [now])
        // What the store wrote, read back as stored.
        let stored = try await sql.sqlRead { db in
            try [("outbox", "created_at"), ("timers", "created_at"), ("inbound_attempts", "started_at")].map { table, column in
                try db.first("SELECT \(column) AS t FROM \(table)")?.date("t")
            }
        }
        #expect(stored == [now, now, now], "outbox, timers, inbound attempts: \(stored)")
    }

    @Test(arguments: StoreKind.selected) func readsTheCoreAndThePagesRely(kind: StoreKind) async throws {
        let (store, _) = try kind.make()
        let t0 = self.t0
        var open = incident("INC-20261126-001", group: "g1")
        open.acknowledgedAt = t0.addingTimeInterval(60)
        open.firstResponseAt = t0.addingTimeInterval(60)
        var done = incident("INC-20261126-002", state: .resolved, at: t0.addingTimeInterval(10))
        done.resolvedAt = t0.addingTimeInterval(600)
        let old = incident("INC-20261001-001", state: .closed, at: t0.addingTimeInterval(-60 * 86_400))
        try await store.write { [open, done] tx in
            for i in [open, done, old] { try tx.insert(i) }
            for n in 1...5 { try tx.append(TimelineEntry(incidentID: open.id, at: t0, actor: "a", kind: .alert, text: "#\(n)")) }
            try tx.rememberAlerts(open.id, ["fp1", "fp2"])
            try tx.record(DrillRecord(kind: "failover", result: "ok", minutes: 12, at: t0, actor: "suzuki"))
            try tx.record(ChangeRecord(name: "rel-1", success: true, at: t0, actor: "suzuki"))
        }
        try await store.read { [open, done] r in
            #expect(try r.openIncidents().map(\.id) == [open.id])
            #expect(try r.incidents(declaredSince: t0.addingTimeInterval(-86_400)).map(\.id) == [done.id, open.id])
            #expect(try r.closedIncidents(declaredSince: .distantPast, limit: 1).map(\.id) == [done.id])
            #expect(try r.openIncident(alertGroupKey: "g1")?.id == open.id)
            #expect(try r.knownAlerts(open.id, among: ["fp2", "fp3"]) == ["fp2"])
            let times = try r.incidentTimes(declaredSince: .distantPast)
            #expect(times == (try r.incidents(declaredSince: .distantPast)).map(IncidentTimes.init))
            let latest = try r.timeline(open.id, latest: 2)
            #expect(latest.total == 5 && latest.entries.map(\.text) == ["#4", "#5"])
            let first = try r.timeline(open.id, after: 0, limit: 2)
            #expect(first.map(\.text) == ["#1", "#2"])
            #expect(try r.timeline(open.id, after: first[1].id!, limit: 10).map(\.text) == ["#3", "#4", "#5"])
            #expect(try r.drills().map(\.minutes) == [12])
            #expect(try r.changes(since: .distantPast).map(\.success) == [true])
        }
        // Cursors, inbound ids, overrides.
        try await store.setValue("a", forKey: "k")
        try await store.setValue("b", forKey: "k")
        #expect(try await store.value(forKey: "k") == "b")
        #expect(try await store.value(forKey: "none") == nil)
        let fresh = try await store.write { tx in (try tx.recordInbound(key: "slack:1", at: t0), try tx.recordInbound(key: "slack:1", at: t0)) }
        #expect(fresh == (true, false))
        let id = try await store.write { tx in
            try tx.insert(OnCallOverride(schedule: "ops", person: "ito", from: t0, until: t0.addingTimeInterval(3600), reason: nil, createdBy: "sato", createdAt: t0))
        }
        #expect(try await store.read { try $0.onCallOverrides(endingAfter: t0) }.map(\.person) == ["ito"])
        #expect(try await store.write { tx in try tx.cancelOverride(id, at: t0, by: "sato") })
        #expect(try await store.write { tx in try tx.cancelOverride(id, at: t0, by: "sato") } == false)
        try await store.probeWrite()
    }

    @Test(arguments: StoreKind.selected) func outboxLanesLeasesAndPurge(kind: StoreKind) async throws {
        let (store, another) = try kind.make()
        let other = try another()
        let t0 = self.t0
        let ids = try await store.write { tx in
            try (0..<3).map { n in
                try tx.enqueue(OutboxMessage(incidentID: nil, destination: Destination(platform: "slack", channel: "C\(n % 2)"), kind: "info", text: "m\(n)", createdAt: t0))
            }
        }
        // One head per lane, in id order.
        #expect(try await store.dueMessages(now: t0, platforms: nil, limit: 10).map(\.text) == ["m0", "m1"])
        #expect(try await store.dueMessages(now: t0, platforms: ["teams"], limit: 10).isEmpty)
        // Two instances see the same head; only one takes it.
        #expect(try await store.markSending(ids[0], at: t0, leaseUntil: t0.addingTimeInterval(60)))
        #expect(try await other.markSending(ids[0], at: t0, leaseUntil: t0.addingTimeInterval(60)) == false)
        // The holder died: after its lease, the other takes it.
        #expect(try await other.markSending(ids[0], at: t0.addingTimeInterval(61), leaseUntil: t0.addingTimeInterval(121)))
        try await other.markSent(ids[0], at: t0.addingTimeInterval(62))
        #expect(try await store.dueMessages(now: t0.addingTimeInterval(200), platforms: nil, limit: 10).map(\.text) == ["m1", "m2"])
        #expect(try await store.markSending(ids[1], at: t0, leaseUntil: t0.addingTimeInterval(60)))
        try await store.markRetry(ids[1], attempts: 1, next: t0.addingTimeInterval(30), error: "503")
        #expect(try await store.nextAttemptDate(platforms: ["slack"]) == t0)
        #expect(try await store.markSending(ids[1], at: t0.addingTimeInterval(30), leaseUntil: t0.addingTimeInterval(90)))
        try await store.markFailed(ids[1], attempts: 2, error: "400 invalid", at: t0)
        let counts = try await store.outboxCounts()
        #expect(counts["sent"] == 1 && counts["failed"] == 1 && counts["pending"] == 1)
        let purged = try await store.purge(sentBefore: t0.addingTimeInterval(100), inboundBefore: t0)
        #expect(purged.outbox == 1)
        #expect(try await store.outboxCounts()["sent"] == 0)
    }

    /// Two instances' schedulers on the same due timers: every timer fires exactly once.
    @Test(arguments: StoreKind.selected) func twoSchedulersFireEachTimerOnce(kind: StoreKind) async throws {
        let (store, another) = try kind.make()
        let other = try another()
        let t0 = self.t0
        try await store.write { tx in
            for n in 1...20 {
                let inc = self.incident(String(format: "INC-20261126-%03d", n))
                try tx.insert(inc)
                for s in 0..<5 {
                    try tx.schedule(IncidentTimer(incidentID: inc.id, kind: .escalation, step: s, round: 0, dueAt: t0.addingTimeInterval(Double(s))), at: t0)
                }
            }
        }
        let fired = try await withThrowingTaskGroup(of: [Int64].self) { group in
            for s in [store, other] {
                group.addTask {
                    var mine: [Int64] = []
                    while true {
                        let batch = try await s.write { tx -> [Int64] in
                            var got: [Int64] = []
                            for t in try tx.dueTimers(now: t0.addingTimeInterval(10), limit: 7) where try tx.markFired(t.id!, at: t0) {
                                got.append(t.id!)
                                try tx.append(TimelineEntry(incidentID: t.incidentID, at: t0, actor: "bot", kind: .escalated, text: "step \(t.step ?? 0)"))
                            }
                            return got
                        }
                        if batch.isEmpty { break }
                        mine += batch
                    }
                    return mine
                }
            }
            return try await group.reduce(into: [Int64]()) { $0 += $1 }
        }
        #expect(fired.count == 100 && Set(fired).count == 100)
        let escalated = try await store.read { r in try (1...20).map { try r.timeline(IncidentID(String(format: "INC-20261126-%03d", $0))).count } }
        #expect(escalated.allSatisfy { $0 == 5 })
        #expect(try await store.read { try $0.nextTimerDue() } == nil)
    }

    /// Declarations from two instances at once: every incident number of the day is taken once.
    @Test(arguments: StoreKind.selected) func incidentNumbersAreUniqueAcrossInstances(kind: StoreKind) async throws {
        let (store, another) = try kind.make()
        let other = try another()
        let t0 = self.t0
        let ids = try await withThrowingTaskGroup(of: String.self) { group in
            for n in 0..<40 {
                let s = n % 2 == 0 ? store : other
                group.addTask {
                    try await s.write { tx in
                        let seq = try tx.nextIncidentSequence(day: "20261126")
                        let id = String(format: "INC-20261126-%03d", seq)
                        try tx.insert(Incident(id: IncidentID(id), eventType: "x", severity: "sev2", title: "\(n)", declaredAt: t0, declaredBy: "a"))
                        return id
                    }
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(ids).count == 40)
        #expect(Set(ids) == Set((1...40).map { String(format: "INC-20261126-%03d", $0) }))
    }

    /// Two instances changing one incident at once (an ack here, an assignment there): neither change is lost.
    @Test(arguments: StoreKind.selected) func concurrentChangesToOneIncidentAreNotLost(kind: StoreKind) async throws {
        let (store, another) = try kind.make()
        let other = try another()
        let ids = (1...20).map { IncidentID(String(format: "INC-20261126-%03d", $0)) }
        try await store.write { tx in for id in ids { try tx.insert(self.incident(id.rawValue)) } }
        let t0 = self.t0
        try await withThrowingTaskGroup(of: Void.self) { group in
            for id in ids {
                group.addTask {
                    try await store.write { tx in
                        var i = try tx.incident(id)!
                        i.acknowledgedAt = t0
                        i.state = .acknowledged
                        try tx.update(i)
                    }
                }
                group.addTask {
                    try await other.write { tx in
                        var i = try tx.incident(id)!
                        i.assignments["scribe"] = "ito"
                        try tx.update(i)
                    }
                }
            }
            try await group.waitForAll()
        }
        let after = try await store.read { r in try ids.map { try r.incident($0)! } }
        #expect(after.allSatisfy { $0.state == .acknowledged && $0.acknowledgedAt == t0 && $0.assignments["scribe"] == "ito" })
    }

    /// The first notification of an alert group reaching two instances at once opens one incident, and neither
    /// transaction fails.
    @Test(arguments: StoreKind.selected) func oneIncidentPerAlertGroupAcrossInstances(kind: StoreKind) async throws {
        let (store, another) = try kind.make()
        let other = try another()
        let t0 = self.t0
        let opened = try await withThrowingTaskGroup(of: Bool.self) { group in
            for n in 0..<10 {
                let s = n % 2 == 0 ? store : other
                group.addTask {
                    try await s.write { tx in
                        guard try tx.openIncident(alertGroupKey: "{}:{alertname=\"X\"}") == nil else { return false }
                        let seq = try tx.nextIncidentSequence(day: "20261126")
                        var i = Incident(id: IncidentID.make(day: "20261126", sequence: seq), eventType: "x", severity: "sev2", title: "x", declaredAt: t0, declaredBy: "alertmanager")
                        i.alertGroupKey = "{}:{alertname=\"X\"}"
                        try tx.insert(i)
                        return true
                    }
                }
            }
            return try await group.reduce(into: 0) { $0 += $1 ? 1 : 0 }
        }
        #expect(opened == 1)
        #expect(try await store.read { try $0.openIncidents() }.count == 1)
    }

    /// PostgreSQL restarts (every connection of the bot is cut): the next command gets a new connection.
    @Test func aDatabaseRestartIsSurvived() async throws {
        let url = try PostgresCluster.database()
        let store = try PostgresStore(url: url)
        try await store.setValue("1", forKey: "k")
        let db = String(url.split(separator: "/").last!)
        _ = try PostgresCluster.psql(
            url.replacingOccurrences(of: "/\(db)", with: "/postgres"),
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(db)'"
        )
        try await Task.sleep(nanoseconds: 300_000_000)
        var ok = false
        for _ in 0..<3 where !ok {
            ok = (try? await store.setValue("2", forKey: "k")) != nil
        }
        #expect(ok, "a write works again after the connections were cut")
        #expect(try await store.value(forKey: "k") == "2")
    }

    /// A lease has one holder among instances; it passes on when the holder lets go (or dies).
    @Test(arguments: StoreKind.selected) func leasesHaveOneHolder(kind: StoreKind) async throws {
        let (store, another) = try kind.make()
        let other = try another()
        let first = try #require(try await store.acquireLease("matrix"))
        #expect(await first.isHeld())
        guard kind == .postgres, let pg = other as? PostgresStore else { return }
        let got = LeaseFlag()
        let second = Task { () -> (any StorageLease)? in
            let lease = try await pg.acquireLease("matrix", every: 0.2)
            await got.set()
            return lease
        }
        try await Task.sleep(nanoseconds: 1_500_000_000)
        #expect(await got.value == false, "the first instance holds it")
        await first.release()
        let taken = try #require(try await second.value)
        #expect(await taken.isHeld())
        await taken.release()
    }
}

actor LeaseFlag {
    private(set) var value = false
    func set() { value = true }
}
