import BridgeCore
import Foundation
import GRDB

extension SQLiteStore: InboundAttempts {
    public func beginInbound(_ key: String, owner: String, at: Date) async throws -> InboundAttempt? {
        try await groupWrite { db in
            let before = try Row.fetchOne(db, sql: "SELECT owner, state, attempts FROM inbound_attempts WHERE key = ?", arguments: [key])
            if let before {
                try db.execute(sql: "UPDATE inbound_attempts SET attempts = attempts + 1 WHERE key = ?", arguments: [key])
                return InboundAttempt(owner: before["owner"], state: before["state"], attempts: before["attempts"])
            }
            try db.execute(
                sql: "INSERT INTO inbound_attempts (key, owner, state, attempts, started_at) VALUES (?, ?, 'acting', 1, ?)",
                arguments: [key, owner, at.timeIntervalSince1970]
            )
            return nil
        }
    }

    public func settleInbound(_ key: String, state: String) async throws {
        try await groupWrite { db in
            try db.execute(sql: "UPDATE inbound_attempts SET state = ? WHERE key = ?", arguments: [state, key])
        }
    }

    public func takeOverInbound(_ key: String, owner: String) async throws {
        try await groupWrite { db in
            try db.execute(sql: "UPDATE inbound_attempts SET owner = ?, state = 'retrying' WHERE key = ?", arguments: [owner, key])
        }
    }

    /// One process owns a SQLite file: an attempt begun by another instance id is one that died.
    public func instanceAlive(_ owner: String) async -> Bool { false }
}
