import BridgeCore
import Foundation
import GRDB

/// One outbox row as an operator sees it (`incident-bridge outbox`).
public struct OutboxRow: Sendable, Codable, Equatable {
    public var id: Int64
    public var destination: String
    public var kind: String
    public var status: String
    public var attempts: Int
    public var lastError: String?
    public var incidentID: String?
    /// Seconds since the row was queued.
    public var ageSeconds: Int
}

/// Operator control of the outbox and retention of old rows; safe while `serve` runs (WAL, one writer at a time).
extension SQLiteStore {
    static func outboxRow(_ r: Row, now: Date) -> OutboxRow {
        OutboxRow(
            id: r["id"],
            destination: "\(r["platform"] as String):\(r["channel"] as String)",
            kind: r["kind"],
            status: r["status"],
            attempts: r["attempts"],
            lastError: r["last_error"],
            incidentID: r["incident_id"],
            ageSeconds: Int(now.timeIntervalSince1970 - (r["created_at"] as Double))
        )
    }

    /// Rows with `status` (all unsent rows when nil), oldest first.
    public func outboxRows(status: String?, now: Date, limit: Int = 1000) async throws -> [OutboxRow] {
        try await writer.read { db in
            let filter = status.map { _ in "status = ?" } ?? "status IN ('pending','sending','failed')"
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM outbox WHERE \(filter) ORDER BY id LIMIT ?",
                arguments: StatementArguments(status.map { [$0] } ?? []) + [limit]
            )
            return rows.map { Self.outboxRow($0, now: now) }
        }
    }

    /// Puts failed (or pending) rows back in the queue, due now and counted as new (so a requeued reminder is not
    /// dropped as stale); returns how many were requeued. `--failed` leaves out the pages of incidents that are no
    /// longer open (re-sending a trigger would open an alert nothing resolves); name such a row to force it.
    public func requeue(ids: [Int64]?, now: Date) async throws -> Int {
        try await groupWrite { db in
            let target =
                ids.map { "id IN (\(Array(repeating: "?", count: $0.count).joined(separator: ",")))" }
                ?? """
                status = 'failed' AND NOT (kind = 'page_trigger' AND incident_id IN
                    (SELECT id FROM incidents WHERE state NOT IN ('declared','acknowledged','mitigated')))
                """
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'pending', next_attempt_at = ?, created_at = ?, attempts = 0, interrupted = 0,
                        last_error = NULL
                    WHERE \(target) AND status IN ('failed','pending')
                    """,
                arguments: [now.timeIntervalSince1970, now.timeIntervalSince1970] + StatementArguments(ids ?? [])
            )
            return db.changesCount
        }
    }

    /// Removes unsent rows (not one being sent), each with a timeline note on its incident, in one transaction;
    /// returns the rows dropped.
    public func drop(ids: [Int64], by actor: String, now: Date) async throws -> [OutboxRow] {
        try await groupWrite { db in
            var dropped: [OutboxRow] = []
            for id in ids {
                guard
                    let r = try Row.fetchOne(
                        db,
                        sql: "DELETE FROM outbox WHERE id = ? AND status IN ('pending','failed') RETURNING *",
                        arguments: [id]
                    )
                else { continue }
                let row = Self.outboxRow(r, now: now)
                if let inc = row.incidentID {
                    try GRDBTransaction(db: db).append(
                        TimelineEntry(
                            incidentID: IncidentID(rawValue: inc),
                            at: now,
                            actor: actor,
                            kind: .delivery,
                            text: "\(row.kind) to \(row.destination) dropped by the operator (outbox row \(row.id), "
                                + "\(row.status), \(row.attempts) attempts\(row.lastError.map { ", last error: \($0)" } ?? ""))"
                        )
                    )
                }
                dropped.append(row)
            }
            return dropped
        }
    }

    /// Deletes sent outbox rows older than `sentBefore`, inbound delivery ids older than `inboundBefore` and the
    /// alert fingerprints of incidents no longer open; nothing unsent is ever removed.
    /// Works in batches of 1000 rows, each its own short transaction, so the writer is never held for long.
    public func purge(sentBefore: Date, inboundBefore: Date) async throws -> (outbox: Int, inbound: Int) {
        var total = (outbox: 0, inbound: 0)
        while true {
            let n = try await groupWrite { db -> (Int, Int, Int) in
                try db.execute(
                    sql: """
                        DELETE FROM outbox WHERE id IN
                        (SELECT id FROM outbox WHERE status = 'sent' AND sent_at < ? LIMIT 1000)
                        """,
                    arguments: [sentBefore.timeIntervalSince1970]
                )
                let outbox = db.changesCount
                try db.execute(
                    sql: """
                        DELETE FROM inbound_requests WHERE key IN
                        (SELECT key FROM inbound_requests WHERE received_at < ? LIMIT 1000)
                        """,
                    arguments: [inboundBefore.timeIntervalSince1970]
                )
                let inbound = db.changesCount
                try db.execute(
                    sql: """
                        DELETE FROM inbound_attempts WHERE key IN
                        (SELECT key FROM inbound_attempts WHERE started_at < ? LIMIT 1000)
                        """,
                    arguments: [inboundBefore.timeIntervalSince1970]
                )
                // The alerts named by incidents that are no longer open (only open ones take new alerts).
                try db.execute(
                    sql: """
                        DELETE FROM alert_fingerprints WHERE (incident_id, fingerprint) IN
                        (SELECT a.incident_id, a.fingerprint FROM alert_fingerprints a JOIN incidents i ON i.id = a.incident_id
                         WHERE i.state IN ('resolved','closed') LIMIT 1000)
                        """
                )
                return (outbox, inbound, db.changesCount)
            }
            total.outbox += n.0
            total.inbound += n.1
            if n.0 < 1000 && n.1 < 1000 && n.2 < 1000 { return total }
        }
    }
}
