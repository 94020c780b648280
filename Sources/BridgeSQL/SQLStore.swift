import BridgeCore
import Foundation

/// A store that runs statements in transactions of its own: SQLite (group commit) and PostgreSQL. The outbox,
/// inbound attempts, cursors and retention are written once on top of it (`SQLStore+Outbox`, ...).
public protocol SQLStore: Sendable {
    /// Runs `body` in a write transaction (all or nothing).
    @discardableResult
    func sqlWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) throws -> T) async throws -> T
    /// Runs `body` in a read-only transaction (one snapshot).
    @discardableResult
    func sqlRead<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) throws -> T) async throws -> T
}

/// `SQLIncidentTransaction` over an executor whose type is not known statically.
public func incidentTransaction(_ db: any SQLExecutor, writing: Bool) -> any IncidentTransaction {
    func open<E: SQLExecutor>(_ e: E) -> any IncidentTransaction { SQLIncidentTransaction(e, writing: writing) }
    return open(db)
}

// MARK: cursors and upkeep

extension SQLStore {
    public func value(forKey key: String) async throws -> String? {
        try await sqlRead { db in
            try db.first("SELECT value FROM kv WHERE key = ?", [.text(key)])?.requiredString("value")
        }
    }

    public func setValue(_ value: String, forKey key: String) async throws {
        try await sqlWrite { db in
            try db.execute(
                "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [.text(key), .text(value)]
            )
        }
    }

    /// Writes one row with the database's own time, so `/healthz` knows the database takes writes.
    public func probeWrite() async throws {
        try await sqlWrite { db in
            try db.execute(
                "INSERT INTO kv (key, value) VALUES ('healthz', \(db.dialect.nowText)) "
                    + "ON CONFLICT(key) DO UPDATE SET value = excluded.value"
            )
        }
    }

    /// Deletes sent outbox rows older than `sentBefore`, inbound delivery ids older than `inboundBefore` and the
    /// alert fingerprints of incidents no longer open; nothing unsent is ever removed.
    /// Works in batches of 1000 rows, each its own short transaction, so the writer is never held for long.
    public func purge(sentBefore: Date, inboundBefore: Date) async throws -> (outbox: Int, inbound: Int) {
        var total = (outbox: 0, inbound: 0)
        while true {
            let n = try await sqlWrite { db -> (Int, Int, Int) in
                let outbox = try db.execute(
                    """
                    DELETE FROM outbox WHERE id IN
                    (SELECT id FROM outbox WHERE status = 'sent' AND sent_at < ? LIMIT 1000)
                    """,
                    [.time(sentBefore)]
                )
                let inbound = try db.execute(
                    """
                    DELETE FROM inbound_requests WHERE key IN
                    (SELECT key FROM inbound_requests WHERE received_at < ? LIMIT 1000)
                    """,
                    [.time(inboundBefore)]
                )
                try db.execute(
                    """
                    DELETE FROM inbound_attempts WHERE key IN
                    (SELECT key FROM inbound_attempts WHERE started_at < ? LIMIT 1000)
                    """,
                    [.time(inboundBefore)]
                )
                // The alerts named by incidents that are no longer open (only open ones take new alerts).
                let alerts = try db.execute(
                    """
                    DELETE FROM alert_fingerprints WHERE (incident_id, fingerprint) IN
                    (SELECT a.incident_id, a.fingerprint FROM alert_fingerprints a
                     JOIN incidents i ON i.id = a.incident_id WHERE i.state IN ('resolved','closed') LIMIT 1000)
                    """
                )
                return (outbox, inbound, alerts)
            }
            total.outbox += n.0
            total.inbound += n.1
            if n.0 < 1000 && n.1 < 1000 && n.2 < 1000 { return total }
        }
    }
}

// MARK: inbound attempts

extension SQLStore {
    public func beginInbound(_ key: String, owner: String, at: Date) async throws -> InboundAttempt? {
        try await sqlWrite { db in
            // The insert takes the key's row lock: two instances given the same event see one first attempt.
            let inserted = try db.execute(
                """
                INSERT INTO inbound_attempts (key, owner, state, attempts, started_at) VALUES (?, ?, 'acting', 1, ?)
                ON CONFLICT (key) DO NOTHING
                """,
                [.text(key), .text(owner), .time(at)]
            )
            if inserted == 1 { return nil }
            guard
                let row = try db.first(
                    "SELECT owner, state, attempts FROM inbound_attempts WHERE key = ?" + db.dialect.forUpdate(true),
                    [.text(key)]
                )
            else { return nil }
            let before = InboundAttempt(
                owner: try row.requiredString("owner"),
                state: try row.requiredString("state"),
                attempts: try row.requiredInt("attempts")
            )
            try db.execute("UPDATE inbound_attempts SET attempts = attempts + 1 WHERE key = ?", [.text(key)])
            return before
        }
    }

    public func settleInbound(_ key: String, state: String) async throws {
        try await sqlWrite { db in
            try db.execute("UPDATE inbound_attempts SET state = ? WHERE key = ?", [.text(state), .text(key)])
        }
    }

    public func takeOverInbound(_ key: String, owner: String) async throws {
        try await sqlWrite { db in
            try db.execute(
                "UPDATE inbound_attempts SET owner = ?, state = 'retrying' WHERE key = ?",
                [.text(owner), .text(key)]
            )
        }
    }
}
