import BridgeCore
import BridgeSQL
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
    static func outboxRow(_ r: any SQLRow, now: Date) throws -> OutboxRow {
        let m = try message(r)
        return OutboxRow(
            id: m.id ?? 0,
            destination: "\(m.destination.platform):\(m.destination.channel)",
            kind: m.kind,
            status: try r.requiredString("status"),
            attempts: m.attempts,
            lastError: m.lastError,
            incidentID: m.incidentID?.rawValue,
            ageSeconds: Int(now.timeIntervalSince1970 - m.createdAt.timeIntervalSince1970)
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
            return try rows.map { try Self.outboxRow($0, now: now) }
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
                let row = try Self.outboxRow(r, now: now)
                if let inc = row.incidentID {
                    try SQLIncidentTransaction(GRDBExecutor(db: db), writing: true).append(
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
}
