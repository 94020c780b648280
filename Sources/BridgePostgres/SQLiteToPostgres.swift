import BridgeCore
import BridgeStore
import Foundation
import GRDB
import PostgresNIO

/// `incident-bridge migrate --from FILE --to URL`: copies a SQLite history (it may be live: the copy reads one
/// snapshot) into an empty PostgreSQL database in one transaction, ids kept, then checks every table's row count.
public enum SQLiteToPostgres {
    /// Tables in an order that satisfies the foreign keys.
    static let tables = [
        "incidents", "timeline", "timers", "outbox", "inbound_requests", "drills", "changes", "kv", "oncall_overrides",
        "alert_fingerprints",
    ]
    static let identities = ["timeline", "timers", "outbox", "drills", "changes", "oncall_overrides"]

    public struct Summary: Sendable, Equatable {
        /// Table -> rows copied (equal in both databases).
        public var rows: [String: Int]
    }

    public static func copy(from path: String, to url: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        async throws -> Summary
    {
        guard FileManager.default.fileExists(atPath: path) else { throw StoreError("migrate: no SQLite database at \(path)") }
        let source = try SQLiteStore(path: path)  // migrates an older file to the current version first
        let target = try PostgresStore(url: url, environment: environment, connections: 2)
        let snapshot = try await source.writer.read { db -> [String: (columns: [String], rows: [[DatabaseValue]])] in
            var out: [String: (columns: [String], rows: [[DatabaseValue]])] = [:]
            for t in tables {
                let columns = try Row.fetchAll(db, sql: "PRAGMA table_info(\(t))").map { $0["name"] as String }
                let order = ["alert_fingerprints": "incident_id, fingerprint", "kv": "key", "inbound_requests": "key"][t] ?? "id"
                let rows = try Row.fetchAll(db, sql: "SELECT \(columns.joined(separator: ", ")) FROM \(t) ORDER BY \(order)")
                    .map { r in columns.indices.map { r[$0] as DatabaseValue } }
                out[t] = (columns, rows)
            }
            return out
        }
        let data = Snapshot(tables: snapshot)
        return try await target.transaction(readOnly: false) { c in
            for t in tables {
                let n = try c.query("SELECT COUNT(*) AS n FROM \(t)").first?.int("n") ?? 0
                guard n == 0 else { throw StoreError("migrate: \(t) in \(target.location) is not empty: migrate into an empty database") }
            }
            var counts: [String: Int] = [:]
            for t in tables {
                guard let (columns, rows) = data.tables[t] else { continue }
                // 200 rows a statement.
                var i = 0
                while i < rows.count {
                    let batch = rows[i..<min(i + 200, rows.count)]
                    var binds: [PostgresData] = []
                    var groups: [String] = []
                    for row in batch {
                        let marks = row.indices.map { "$\(binds.count + $0 + 1)" }
                        groups.append("(" + marks.joined(separator: ", ") + ")")
                        binds += row.map(Self.bind)
                    }
                    try c.run("INSERT INTO \(t) (\(columns.joined(separator: ", "))) VALUES \(groups.joined(separator: ", "))", binds)
                    i += 200
                }
                counts[t] = try c.query("SELECT COUNT(*) AS n FROM \(t)").first?.int("n") ?? -1
                guard counts[t] == rows.count else {
                    throw StoreError("migrate: \(t) has \(counts[t] ?? -1) rows after the copy, the source \(rows.count)")
                }
            }
            for t in identities {
                try c.run("SELECT setval(pg_get_serial_sequence('\(t)', 'id'), COALESCE((SELECT MAX(id) FROM \(t)), 0) + 1, false)")
            }
            try c.run("INSERT INTO incident_sequences (day, last) SELECT day, MAX(seq) FROM incidents GROUP BY day")
            return Summary(rows: counts)
        }
    }

    static func bind(_ v: DatabaseValue) -> PostgresData {
        switch v.storage {
        case .null: return .null
        case .int64(let i): return PostgresData(int64: i)
        case .double(let d): return PostgresData(double: d)
        case .string(let s): return PostgresData(string: s)
        case .blob(let b): return PostgresData(string: String(decoding: b, as: UTF8.self))
        }
    }

    /// The rows read from SQLite, handed to the PostgreSQL thread (read once, then only read).
    struct Snapshot: @unchecked Sendable {
        let tables: [String: (columns: [String], rows: [[DatabaseValue]])]
    }
}
