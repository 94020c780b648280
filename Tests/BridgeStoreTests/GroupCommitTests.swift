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

/// Group commit: concurrent writes share transactions, yet each stays all-or-nothing and is answered only
/// after it is durable.
@Suite struct GroupCommitTests {
    let t0 = ManualClock.reference

    func incident(_ n: Int) -> Incident {
        Incident(
            id: IncidentID.make(day: "20261126", sequence: n),
            eventType: "db-outage",
            severity: "sev1",
            title: "t\(n)",
            declaredAt: t0,
            declaredBy: "suzuki"
        )
    }

    @Test func concurrentWritesAreAllCommittedAndAFailingOneLeavesNoTrace() async throws {
        let path = Fixtures.tempDir() + "/g.sqlite"
        let store = try SQLiteStore(path: path)
        let t0 = self.t0
        // 400 writers at once; every 7th writes its rows and then throws: its rows must vanish, the others stay.
        let results = await withTaskGroup(of: (Int, Bool).self) { group -> [Int: Bool] in
            for n in 1...400 {
                let inc = incident(n)
                group.addTask {
                    do {
                        try await store.write { tx in
                            try tx.insert(inc)
                            try tx.append(
                                TimelineEntry(incidentID: inc.id, at: t0, actor: "suzuki", kind: .declared, text: "x")
                            )
                            try tx.enqueue(
                                OutboxMessage(
                                    incidentID: inc.id,
                                    destination: .console,
                                    kind: "declare",
                                    text: "hello \(n)",
                                    createdAt: t0
                                )
                            )
                            if n % 7 == 0 { throw Refusal(.state, .nothingToDo) }
                        }
                        return (n, true)
                    } catch {
                        return (n, false)
                    }
                }
            }
            var out: [Int: Bool] = [:]
            for await (n, ok) in group { out[n] = ok }
            return out
        }
        #expect(results.count == 400)
        for (n, ok) in results { #expect(ok == (n % 7 != 0), "write \(n)") }
        // Reopen from the file: exactly the successful writes are there, each complete.
        let again = try SQLiteStore(path: path)
        let counts = try await again.writer.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incidents")!,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM timeline")!,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox")!,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incidents WHERE seq % 7 = 0")!
            )
        }
        let expected = 400 - 400 / 7
        #expect(counts.0 == expected)
        #expect(counts.1 == expected)
        #expect(counts.2 == expected)
        #expect(counts.3 == 0)
        let sync = try await again.writer.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(sync == 2, "synchronous = FULL: a commit survives a power cut")
    }

    @Test func aWriteSeesTheWritesBatchedBeforeIt() async throws {
        let store = try SQLiteStore(path: Fixtures.tempDir() + "/g2.sqlite")
        // Sequence numbers are read and taken inside the batch: 200 concurrent declares get 200 distinct numbers.
        let t0 = self.t0
        let ids = await withTaskGroup(of: String?.self) { group -> [String] in
            for _ in 0..<200 {
                group.addTask {
                    try? await store.write { tx -> String in
                        let seq = try tx.nextIncidentSequence(day: "20261126")
                        let inc = Incident(
                            id: IncidentID.make(day: "20261126", sequence: seq),
                            eventType: "db-outage",
                            severity: "sev1",
                            title: "t",
                            declaredAt: t0,
                            declaredBy: "suzuki"
                        )
                        try tx.insert(inc)
                        return inc.id.rawValue
                    }
                }
            }
            var out: [String] = []
            for await id in group { if let id { out.append(id) } }
            return out
        }
        #expect(ids.count == 200)
        #expect(Set(ids).count == 200)
    }

    @Test func commitsAreCheckpointedInTheBackgroundNotByTheWriter() async throws {
        let path = Fixtures.tempDir() + "/cp.sqlite"
        let store = try SQLiteStore(path: path)
        func size(_ p: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: p))?[.size] as? Int) ?? 0
        }
        let before = size(path)
        // About 1 MB of timeline text: far below the writer's own checkpoint (8000 pages), so only the background
        // checkpointer can move it from the WAL into the database file.
        let inc = incident(1)
        let t0 = self.t0
        try await store.write { tx in try tx.insert(inc) }
        for n in 0..<50 {
            try await store.write { tx in
                for _ in 0..<5 {
                    try tx.append(
                        TimelineEntry(
                            incidentID: inc.id,
                            at: t0,
                            actor: "suzuki",
                            kind: .note,
                            text: String(repeating: "x\(n)", count: 2000)
                        )
                    )
                }
            }
        }
        var grown = false
        for _ in 0..<50 where !grown {
            try await Task.sleep(nanoseconds: 100_000_000)
            grown = size(path) > before + 500_000
        }
        #expect(grown, "database file \(size(path)) bytes, was \(before)")
        #expect(size(path + "-wal") > 0, "the WAL is still open (the store is in use), only its frames were copied")
        let notes = try await store.read { try $0.timeline(inc.id).count }
        #expect(notes == 250)
    }
}
