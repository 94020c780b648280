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
    /// Rows with `status` (all unsent rows when nil), oldest first.
    public func outboxRows(status: String?, now: Date, limit: Int = 1000) async throws -> [OutboxRow] {
        try await writer.read { db in
            let filter = status.map { _ in "status = ?" } ?? "status IN ('pending','sending','failed')"
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT * FROM outbox WHERE \(filter) ORDER BY id LIMIT ?",
                arguments: StatementArguments(status.map { [$0] } ?? []) + [limit]
            )
            return rows.map { r in
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
        }
    }

    /// Puts failed (or pending) rows back in the queue, due now; returns how many were requeued.
    public func requeue(ids: [Int64]?, now: Date) async throws -> Int {
        try await groupWrite { db in
            let target = ids.map { "id IN (\(Array(repeating: "?", count: $0.count).joined(separator: ",")))" }
                ?? "status = 'failed'"
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'pending', next_attempt_at = ?, attempts = 0, last_error = NULL
                    WHERE \(target) AND status IN ('failed','pending')
                    """,
                arguments: [now.timeIntervalSince1970] + StatementArguments(ids ?? [])
            )
            return db.changesCount
        }
    }

    /// Removes unsent rows, each with a timeline note on its incident; returns the rows dropped.
    public func drop(ids: [Int64], by actor: String, now: Date) async throws -> [OutboxRow] {
        let rows = try await outboxRows(status: nil, now: now).filter { ids.contains($0.id) && $0.status != "sending" }
        try await write { tx in
            for row in rows {
                if let inc = row.incidentID {
                    try tx.append(
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
            }
        }
        try await groupWrite { db in
            for row in rows {
                try db.execute(
                    sql: "DELETE FROM outbox WHERE id = ? AND status IN ('pending','failed')",
                    arguments: [row.id]
                )
            }
        }
        return rows
    }

    /// Deletes sent outbox rows older than `sentBefore` and inbound delivery ids older than `inboundBefore`;
    /// nothing unsent is ever removed.
    public func purge(sentBefore: Date, inboundBefore: Date) async throws -> (outbox: Int, inbound: Int) {
        try await groupWrite { db in
            try db.execute(
                sql: "DELETE FROM outbox WHERE status = 'sent' AND sent_at < ?",
                arguments: [sentBefore.timeIntervalSince1970]
            )
            let outbox = db.changesCount
            try db.execute(
                sql: "DELETE FROM inbound_requests WHERE received_at < ?",
                arguments: [inboundBefore.timeIntervalSince1970]
            )
            return (outbox, db.changesCount)
        }
    }
}
