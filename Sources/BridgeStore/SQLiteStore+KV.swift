import BridgeCore
import Foundation
import GRDB

extension SQLiteStore: CursorStore {
    /// A small persisted value (e.g. the Matrix `since` token).
    public func value(forKey key: String) async throws -> String? {
        try await writer.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM kv WHERE key = ?", arguments: [key])
        }
    }

    public func setValue(_ value: String, forKey key: String) async throws {
        try await groupWrite { db in
            try db.execute(
                sql: "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [key, value]
            )
        }
    }
}

extension SQLiteStore: BridgeStorage {
    public var location: String { path }

    public func probeWrite() async throws {
        try await writer.write { db in
            try db.execute(
                sql: "INSERT INTO kv (key, value) VALUES ('healthz', datetime('now')) ON CONFLICT(key) DO UPDATE SET value = excluded.value"
            )
        }
    }

    /// One process owns a SQLite file: it always holds every lease.
    public func acquireLease(_ name: String) async throws -> (any StorageLease)? { LocalLease() }
}
