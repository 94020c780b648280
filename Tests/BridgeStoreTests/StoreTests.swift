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

@Suite struct StoreTests {
    let t0 = ManualClock.reference

    func incident(_ id: String) -> Incident {
        Incident(
            id: IncidentID(id),
            eventType: "db-outage",
            severity: "sev1",
            title: "t",
            declaredAt: t0,
            declaredBy: "suzuki"
        )
    }

    @Test func fileStoreRoundTripsInOneTransaction() async throws {
        let path = Fixtures.tempDir() + "/s.sqlite"
        let store = try SQLiteStore(path: path)
        let inc = incident("INC-20261126-001")
        try await store.write { tx in
            #expect(try tx.nextIncidentSequence(day: "20261126") == 1)
            try tx.insert(inc)
            try tx.append(TimelineEntry(incidentID: inc.id, at: self.t0, actor: "suzuki", kind: .declared, text: "x"))
            try tx.schedule(
                IncidentTimer(
                    incidentID: inc.id,
                    kind: .escalation,
                    step: 1,
                    round: 0,
                    dueAt: self.t0.addingTimeInterval(900)
                ),
                at: self.t0
            )
            try tx.schedule(
                IncidentTimer(
                    incidentID: inc.id,
                    kind: .slaBreach,
                    clock: .restore,
                    fraction: 1,
                    dueAt: self.t0.addingTimeInterval(9000)
                ),
                at: self.t0
            )
            try tx.enqueue(
                OutboxMessage(
                    incidentID: inc.id,
                    destination: .console,
                    kind: "declare",
                    text: "hello",
                    createdAt: self.t0
                )
            )
            #expect(try tx.nextIncidentSequence(day: "20261126") == 2)
        }
        // Reopen: the data is in the file, WAL mode is on.
        let again = try SQLiteStore(path: path)
        let (loaded, entries, timers) = try await again.read { r in
            (try r.incident(inc.id), try r.timeline(inc.id), try r.pendingTimers(inc.id))
        }
        #expect(loaded == inc)
        #expect(entries.count == 1)
        #expect(timers.count == 2)
        let mode = try await again.writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
        try await again.write { tx in try tx.cancelTimers(inc.id, .escalation, at: self.t0) }
        #expect(try await again.read { try $0.pendingTimers(inc.id) }.map(\.kind) == [.slaBreach])
        let due = try await again.dueMessages(now: t0, platforms: ["console"], limit: 10)
        #expect(due.map(\.text) == ["hello"])
    }

    /// A database of the version before `alert_fingerprints`: the migration finds the alerts that open alert-born
    /// incidents named in their timelines, so the next notification still names only new ones.
    @Test func migrationRemembersTheAlertsOfOpenIncidents() async throws {
        let path = Fixtures.tempDir() + "/old.sqlite"
        do {
            let store = try SQLiteStore(path: path)
            var open = incident("INC-20261126-001")
            open.alertGroupKey = "{}:{alertname=\"DiskFull\"}"
            var closed = incident("INC-20261126-002")
            closed.alertGroupKey = "{}:{alertname=\"CPU\"}"
            closed.state = .resolved
            try await store.write { [open, closed] tx in
                try tx.insert(open)
                try tx.insert(closed)
                for (id, text) in [
                    (open.id, "1 alert(s) firing: DiskFull instance=db01: full [b3cdf832dd4b7a15] [alertname=DiskFull]"),
                    (open.id, "1 new alert(s) firing (2 in all): DiskFull instance=db02: full [c0ffee0000000002]"),
                    (closed.id, "1 alert(s) firing: CPU [aaaa000000000001]"),
                ] {
                    try tx.append(TimelineEntry(incidentID: id, at: self.t0, actor: "alertmanager", kind: .alert, text: text))
                }
            }
            // Back to the schema before v3.
            try await store.writer.write { db in
                try db.execute(sql: "DROP TABLE alert_fingerprints")
                try db.execute(sql: "DELETE FROM grdb_migrations WHERE identifier = 'v3-alert-fingerprints'")
            }
        }
        let store = try SQLiteStore(path: path)
        let (open, closed) = try await store.read { r in
            (
                try r.knownAlerts(IncidentID("INC-20261126-001"), among: ["b3cdf832dd4b7a15", "c0ffee0000000002", "x"]),
                try r.knownAlerts(IncidentID("INC-20261126-002"), among: ["aaaa000000000001"])
            )
        }
        #expect(open == ["b3cdf832dd4b7a15", "c0ffee0000000002"])
        #expect(closed.isEmpty, "a closed incident takes no new alerts: nothing to remember")
    }

    @Test func failedTransactionWritesNothing() async throws {
        let store = try SQLiteStore()
        let inc = incident("INC-20261126-001")
        struct Boom: Error {}
        await #expect(throws: Boom.self) {
            try await store.write { tx in
                try tx.insert(inc)
                try tx.append(TimelineEntry(incidentID: inc.id, at: self.t0, actor: "a", kind: .note, text: "x"))
                throw Boom()
            }
        }
        #expect(try await store.read { try $0.incident(inc.id) } == nil)
        #expect(try await store.read { try $0.timeline(inc.id) }.isEmpty)
    }

    @Test func inboundKeysDeduplicate() async throws {
        let store = try SQLiteStore()
        #expect(try await store.write { try $0.recordInbound(key: "slack:1", at: self.t0) })
        #expect(try await !store.write { try $0.recordInbound(key: "slack:1", at: self.t0) })
    }

    @Test func outboxKeepsOrderPerChannel() async throws {
        let store = try SQLiteStore()
        try await store.write { tx in
            for (i, ch) in ["a", "a", "b"].enumerated() {
                try tx.enqueue(
                    OutboxMessage(
                        incidentID: nil,
                        destination: .init(platform: "slack", channel: ch),
                        kind: "note",
                        text: "m\(i)",
                        createdAt: self.t0
                    )
                )
            }
        }
        var due = try await store.dueMessages(now: t0, platforms: nil, limit: 10)
        #expect(due.map(\.text) == ["m0", "m2"])
        #expect(try await store.markSending(due[0].id!, at: t0, leaseUntil: t0.addingTimeInterval(60)))
        #expect(try await !store.markSending(due[0].id!, at: t0, leaseUntil: t0.addingTimeInterval(60)), "leased")
        try await store.markRetry(due[0].id!, attempts: 1, next: t0.addingTimeInterval(60), error: "429")
        due = try await store.dueMessages(now: t0, platforms: nil, limit: 10)
        #expect(due.map(\.text) == ["m2"])  // m1 waits behind m0
        #expect(try await store.nextAttemptDate(platforms: nil) == t0)
    }

    @Test func newerDatabaseIsRefused() async throws {
        let path = Fixtures.tempDir() + "/n.sqlite"
        let store = try SQLiteStore(path: path)
        try await store.writer.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        }
        #expect {
            _ = try SQLiteStore(path: path)
        } throws: { error in
            "\(error)".contains("newer incident-bridge") && "\(error)".contains("v99-from-the-future")
        }
    }
}
