import BridgeTestSupport
import BridgeCore
import BridgeServer
import BridgeStore
import BridgeTesting
import Foundation
import GRDB
import Testing
import BridgePaging
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

@Suite struct BackupTests {
    struct Row: Equatable, Sendable {
        var id: Int64
        var incident: String
        var kind: String
        var text: String
    }

    static func timeline(_ store: SQLiteStore, upTo maxID: Int64 = .max) async throws -> [Row] {
        try await store.writer.read { db in
            try GRDB.Row.fetchAll(
                db,
                sql: "SELECT id, incident_id, kind, text FROM timeline WHERE id <= ? ORDER BY id",
                arguments: [maxID]
            )
            .map { Row(id: $0["id"], incident: $0["incident_id"], kind: $0["kind"], text: $0["text"]) }
        }
    }

    static func count(_ store: SQLiteStore, _ table: String) async throws -> Int {
        try await store.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
    }

    /// Restores a backup as an operator would: copy the file into a fresh directory and open it there.
    static func restore(_ backup: String) throws -> (SQLiteStore, String) {
        let dir = Fixtures.tempDir() + "/restored"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/bridge.sqlite"
        try FileManager.default.copyItem(atPath: backup, toPath: path)
        return (try SQLiteStore(path: path), path)
    }

    @Test func backupWhileCommandsStreamInRestoresAConsistentSnapshot() async throws {
        let env = try Fixtures.environment()
        let stop = Flag()
        let script = ["ack", "update", "note", "resolve"]
        // One incident after another, each its own five commands (five transactions), until told to stop.
        let writer = Task { () -> Int in
            var n = 0
            while !stop.isRaised && n < 2_000 {
                let declared = await env.run("/incident declare db-outage sev2 注文DB遅延 \(n)")
                guard let id = declared.incidentID else { return -1 }
                for verb in script {
                    let text = verb == "ack" ? "" : " \(verb) \(n)"
                    guard await env.run("/incident \(verb) \(id)\(text)", as: "takahashi").ok else { return -1 }
                }
                n += 1
            }
            return n
        }
        func declared() async throws -> Int { try await Self.count(env.sqliteStore, "incidents") }
        for _ in 0..<2_000 where try await declared() < 5 { try await Task.sleep(for: .milliseconds(5)) }

        let dir = Fixtures.tempDir()
        let first = try await env.sqliteStore.backup(to: dir + "/during.sqlite")
        // Let the writer go on after the backup, then stop it.
        let atBackup = try await declared()
        for _ in 0..<2_000 where try await declared() < atBackup + 3 { try await Task.sleep(for: .milliseconds(5)) }
        stop.raise()
        let written = await writer.value
        #expect(written > 0, "every scripted command succeeds")

        // Restore into a fresh directory and count.
        let (restored, restoredPath) = try Self.restore(first.path)
        #expect(!FileManager.default.fileExists(atPath: first.path + "-wal"), "the backup is one self-contained file")
        let rows = try await Self.timeline(restored)
        #expect(try await Self.count(restored, "incidents") == first.incidents)
        #expect(rows.count == first.timelineEntries)
        #expect(first.incidents >= 5)
        #expect(first.incidents < written, "the backup was taken while commands streamed in")

        // The snapshot is a prefix of the source's history: exactly the source rows up to its last entry.
        let maxID = try #require(rows.last?.id)
        #expect(try await Self.timeline(env.sqliteStore, upTo: maxID) == rows)
        // Every incident in the backup has its full timeline, and its row agrees with that timeline (same transaction).
        let incidents = try await restored.read { r in try r.incidents(declaredSince: .distantPast) }
        let byIncident = Dictionary(grouping: rows, by: \.incident)
        #expect(Set(byIncident.keys) == Set(incidents.map(\.id.rawValue)))
        let scripted = ["declared", "acknowledged", "update", "note", "resolved"]
        let lifecycle = Set(IncidentState.allCases.map(\.rawValue))
        for inc in incidents {
            let kinds = byIncident[inc.id.rawValue]?.map(\.kind) ?? []
            let steps = kinds.filter { scripted.contains($0) }
            #expect(Array(scripted.prefix(steps.count)) == steps, "timeline of \(inc.id)")
            let last = kinds.last { lifecycle.contains($0) }
            #expect(inc.state.rawValue == last, "\(inc.id) is \(inc.state) with timeline \(kinds)")
        }
        // The bot runs on the restored database.
        let restoredEnv = try BridgeEnvironment(
            config: env.config,
            dbPath: restoredPath,
            clock: ManualClock(),
            templates: Fixtures.path("Templates")
        )
        let last = try #require(incidents.map(\.id).max())
        #expect(await restoredEnv.run("/incident show \(last)").ok)

        // After the writer stopped, a second backup holds everything the source holds.
        let second = try await env.sqliteStore.backup(to: dir + "/after.sqlite")
        #expect(second.incidents == written)
        #expect(second.incidents == (try await Self.count(env.sqliteStore, "incidents")))
        #expect(second.timelineEntries == (try await Self.count(env.sqliteStore, "timeline")))
        let complete = try await Self.timeline(env.sqliteStore)
        for (incident, entries) in Dictionary(grouping: complete, by: \.incident) {
            #expect(Set(scripted).isSubset(of: Set(entries.map(\.kind))), "\(incident) has its five commands")
        }
        let (restoredAfter, _) = try Self.restore(second.path)
        #expect(try await Self.timeline(restoredAfter) == (try await Self.timeline(env.sqliteStore)))
    }

    /// The permission bits of `path`.
    static func mode(_ path: String) throws -> Int {
        try #require((FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue)
    }

    /// A backup holds every incident: owner-only (0600), whether new or replacing a world-readable file.
    @Test func backupFilesAreOwnerOnly() async throws {
        let env = try Fixtures.environment()
        await env.run("/incident declare db-outage sev1 x")
        let dir = Fixtures.tempDir()
        _ = try await env.sqliteStore.backup(to: dir + "/new.sqlite")
        #expect(try Self.mode(dir + "/new.sqlite") == 0o600)
        let old = dir + "/old.sqlite"
        FileManager.default.createFile(atPath: old, contents: Data("old".utf8), attributes: [.posixPermissions: 0o644])
        _ = try await env.sqliteStore.backup(to: old, overwrite: true)
        #expect(try Self.mode(old) == 0o600)
        _ = try await SQLiteStore.backup(databaseAt: env.sqliteStore.path, to: dir + "/offline.sqlite")
        #expect(try Self.mode(dir + "/offline.sqlite") == 0o600)
    }

    @Test func refusesToOverwriteWithoutForceAndNeverCreatesADatabase() async throws {
        let env = try Fixtures.environment()
        await env.run("/incident declare db-outage sev1 x")
        let dir = Fixtures.tempDir()
        let target = dir + "/b.sqlite"
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: target))
        await #expect(throws: BackupError.self) { try await env.sqliteStore.backup(to: target) }
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "keep me")
        let forced = try await env.sqliteStore.backup(to: target, overwrite: true)
        #expect(forced.incidents == 1 && forced.timelineEntries == 1)
        // Nothing but the backup is left behind in its folder.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["b.sqlite"])
        // Backing up a path with no database fails without creating one.
        let missing = dir + "/nothing-here.sqlite"
        await #expect(throws: BackupError.self) {
            try await SQLiteStore.backup(databaseAt: missing, to: dir + "/c.sqlite")
        }
        #expect(!FileManager.default.fileExists(atPath: missing))
        // The database itself is never the target.
        await #expect(throws: BackupError.self) { try await env.sqliteStore.backup(to: env.sqliteStore.path, overwrite: true) }
    }

    /// The real binary, as the runbook uses it, beside a process that holds the database open (as `serve` does).
    @Test func backupCommandWritesCountsRefusesOverwriteAndRestores() async throws {
        let dir = Fixtures.tempDir()
        let db = dir + "/bridge.sqlite"
        let config = Fixtures.path("Examples/bridge.yaml")
        let env = try BridgeEnvironment(
            config: try Fixtures.config(),
            dbPath: db,
            clock: ManualClock(),
            templates: Fixtures.path("Templates")
        )
        let id = try #require(await env.run("/incident declare db-outage sev1 注文DBに接続できない").incidentID)
        await env.run("/incident ack \(id)")
        await env.run("/incident update \(id) 原因調査中")
        await env.run("/incident resolve \(id) フェイルオーバーで復旧")
        await env.run("/incident declare batch-failure 夜間バッチ異常終了")
        let entries = try await Self.count(env.sqliteStore, "timeline")
        #expect(entries >= 5)

        let file = dir + "/backups/bridge-backup.sqlite"
        let r = try CLI.run(["backup", file, "--config", config, "--db", db])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("2 incidents (1 open), \(entries) timeline entries"), "\(r.stdout)")
        #expect(r.stdout.contains(file))
        #expect(try Self.mode(file) == 0o600)
        let again = try CLI.run(["backup", file, "--config", config, "--db", db])
        #expect(again.status == 1)
        #expect(again.stderr.contains("--force"))
        #expect(try CLI.run(["backup", file, "--force", "--config", config, "--db", db]).status == 0)
        let none = try CLI.run(["backup", dir + "/x.sqlite", "--config", config, "--db", dir + "/absent.sqlite"])
        #expect(none.status == 1)
        #expect(none.stderr.contains("no database at"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/absent.sqlite"))

        // Restore: a fresh directory, the backup as the database, the same timeline.
        let (_, restored) = try Self.restore(file)
        let export = try CLI.run(["export", id.rawValue, "--config", config, "--db", restored, "--format", "json"])
        #expect(export.status == 0, "\(export.stderr)")
        let doc = try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any]
        let timeline = try #require(doc?["timeline"] as? [[String: Any]])
        let source = try await env.store.read { try $0.timeline(id) }
        #expect(timeline.compactMap { $0["text"] as? String } == source.map(\.text))
        #expect(timeline.compactMap { $0["kind"] as? String } == source.map(\.kind.rawValue))
    }
}
