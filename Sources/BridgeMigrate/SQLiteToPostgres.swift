import BridgeCore
import BridgePostgres
import BridgeSQL
import BridgeStore
import Foundation

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

    /// One table's rows as read from SQLite.
    struct Table: Sendable {
        var columns: [String]
        var rows: [[SQLValue]]
    }

    public static func copy(from path: String, to url: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        async throws -> Summary
    {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StoreError(.invalid, "migrate: no SQLite database at \(path)")
        }
        let source = try SQLiteStore(path: path)  // migrates an older file to the current version first
        let target = try PostgresStore(url: url, environment: environment, connections: 2)
        let data = try await source.sqlRead { db -> [String: Table] in
            var out: [String: Table] = [:]
            for t in tables {
                let columns = try db.rows("PRAGMA table_info(\(t))").map { try $0.requiredString("name") }
                let order = ["alert_fingerprints": "incident_id, fingerprint", "kv": "key", "inbound_requests": "key"][t] ?? "id"
                let rows = try db.rows("SELECT \(columns.joined(separator: ", ")) FROM \(t) ORDER BY \(order)")
                    .map { r in columns.map { r.value($0) } }
                out[t] = Table(columns: columns, rows: rows)
            }
            return out
        }
        let location = target.location
        return try await target.sqlWrite { db in
            for t in tables {
                let n = try db.first("SELECT COUNT(*) AS n FROM \(t)")?.int("n") ?? 0
                guard n == 0 else {
                    throw StoreError(.conflict, "migrate: \(t) in \(location) is not empty: migrate into an empty database")
                }
            }
            var counts: [String: Int] = [:]
            for t in tables {
                guard let table = data[t] else { continue }
                let rows = table.rows
                // 200 rows a statement.
                var i = 0
                while i < rows.count {
                    let batch = rows[i..<min(i + 200, rows.count)]
                    let group = "(" + Array(repeating: "?", count: table.columns.count).joined(separator: ", ") + ")"
                    try db.execute(
                        "INSERT INTO \(t) (\(table.columns.joined(separator: ", "))) VALUES "
                            + Array(repeating: group, count: batch.count).joined(separator: ", "),
                        Array(batch.joined())
                    )
                    i += 200
                }
                counts[t] = try db.first("SELECT COUNT(*) AS n FROM \(t)")?.int("n") ?? -1
                guard counts[t] == rows.count else {
                    throw StoreError("migrate: \(t) has \(counts[t] ?? -1) rows after the copy, the source \(rows.count)")
                }
            }
            for t in identities {
                try db.execute(
                    "SELECT setval(pg_get_serial_sequence('\(t)', 'id'), COALESCE((SELECT MAX(id) FROM \(t)), 0) + 1, false)"
                )
            }
            try db.execute("INSERT INTO incident_sequences (day, last) SELECT day, MAX(seq) FROM incidents GROUP BY day")
            return Summary(rows: counts)
        }
    }
}
