import BridgeCore
import Foundation
import GRDB

extension SQLiteStore: OutboxQueue {
    static func platformFilter(_ platforms: Set<String>?) -> (String, StatementArguments) {
        guard let platforms, !platforms.isEmpty else { return ("", []) }
        let marks = Array(repeating: "?", count: platforms.count).joined(separator: ",")
        return (" AND platform IN (\(marks))", StatementArguments(platforms.sorted()))
    }

    public func dueMessages(now: Date, platforms: Set<String>?, limit: Int) async throws -> [OutboxMessage] {
        let (filter, args) = Self.platformFilter(platforms)
        return try await writer.read { db in
            // The head (lowest id) of each destination's queue, if it is due.
            let sql = """
                SELECT o.* FROM outbox o
                JOIN (SELECT platform, channel, MIN(id) AS head FROM outbox
                      WHERE status IN ('pending','sending')\(filter) GROUP BY platform, channel) h ON o.id = h.head
                WHERE o.next_attempt_at <= ? ORDER BY o.id LIMIT ?
                """
            return try Row.fetchAll(db, sql: sql, arguments: args + [now.timeIntervalSince1970, limit]).map(
                Self.message
            )
        }
    }

    /// The head row of every destination's queue (due or not), earliest next attempt first: what the dispatcher
    /// may start, and when it must look again (a destination's later rows never matter before its head).
    public func laneHeads(limit: Int) async throws -> [OutboxMessage] {
        try await writer.read { db in
            let sql = """
                SELECT o.* FROM outbox o
                JOIN (SELECT platform, channel, MIN(id) AS head FROM outbox
                      WHERE status IN ('pending','sending') GROUP BY platform, channel) h ON o.id = h.head
                ORDER BY o.next_attempt_at LIMIT ?
                """
            return try Row.fetchAll(db, sql: sql, arguments: [limit]).map(Self.message)
        }
    }

    static func message(_ r: Row) -> OutboxMessage {
        var m = OutboxMessage(
            id: r["id"],
            incidentID: (r["incident_id"] as String?).map(IncidentID.init(rawValue:)),
            destination: Destination(platform: r["platform"], channel: r["channel"]),
            kind: r["kind"],
            text: r["text"],
            mentions: (try? GRDBTransaction.decode([String].self, r["mentions"])) ?? [],
            createdAt: Date(timeIntervalSince1970: r["created_at"])
        )
        m.status = OutboxMessage.Status(rawValue: r["status"]) ?? .pending
        m.attempts = r["attempts"]
        m.nextAttemptAt = Date(timeIntervalSince1970: r["next_attempt_at"])
        m.lastError = r["last_error"]
        m.sentAt = (r["sent_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        return m
    }

    /// A sending row's `next_attempt_at` is its lease deadline; taking the row is a compare-and-set, so two
    /// senders (the dispatcher and the console flush, or two processes) never both send it.
    /// A row found still `sending` past its lease was being sent when its process died: after two such
    /// interruptions it fails for good instead of stopping the bot again (a poison message).
    public func markSending(_ id: Int64, at: Date, leaseUntil: Date) async throws -> Bool {
        try await groupWrite { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'failed', last_error = 'the bot stopped twice while sending this row (a poison message?): given up; incident-bridge outbox retry sends it again'
                    WHERE id = ? AND status = 'sending' AND next_attempt_at <= ? AND interrupted >= 2
                    """,
                arguments: [id, at.timeIntervalSince1970]
            )
            if db.changesCount == 1 { return false }
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'sending', next_attempt_at = ?,
                        interrupted = interrupted + (CASE WHEN status = 'sending' THEN 1 ELSE 0 END)
                    WHERE id = ? AND status IN ('pending','sending') AND next_attempt_at <= ?
                    """,
                arguments: [leaseUntil.timeIntervalSince1970, id, at.timeIntervalSince1970]
            )
            return db.changesCount == 1
        }
    }

    public func discard(_ id: Int64, note: TimelineEntry?) async throws {
        try await groupWrite { db in
            try db.execute(sql: "DELETE FROM outbox WHERE id = ? AND status != 'sent'", arguments: [id])
            if db.changesCount == 1, let note { try GRDBTransaction(db: db).append(note) }
        }
    }

    public func release(_ id: Int64, next: Date) async throws {
        try await groupWrite { db in
            try db.execute(
                sql: "UPDATE outbox SET status = 'pending', next_attempt_at = ? WHERE id = ? AND status = 'sending'",
                arguments: [next.timeIntervalSince1970, id]
            )
        }
    }

    public func markSent(_ id: Int64, at: Date) async throws {
        try await groupWrite { db in
            try db.execute(
                sql: "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ? AND status = 'sending'",
                arguments: [at.timeIntervalSince1970, id]
            )
        }
    }

    public func markRetry(_ id: Int64, attempts: Int, next: Date, error: String) async throws {
        try await groupWrite { db in
            try db.execute(
                sql: """
                    UPDATE outbox SET status = 'pending', attempts = ?, next_attempt_at = ?, last_error = ?
                    WHERE id = ? AND status = 'sending'
                    """,
                arguments: [attempts, next.timeIntervalSince1970, error, id]
            )
        }
    }

    public func markFailed(_ id: Int64, attempts: Int, error: String, at: Date) async throws {
        try await groupWrite { db in
            try db.execute(
                sql: "UPDATE outbox SET status = 'failed', attempts = ?, last_error = ? WHERE id = ? AND status = 'sending'",
                arguments: [attempts, error, id]
            )
        }
    }

    public func nextAttemptDate(platforms: Set<String>?) async throws -> Date? {
        let (filter, args) = Self.platformFilter(platforms)
        return try await writer.read { db in
            try Double.fetchOne(
                db,
                sql: "SELECT MIN(next_attempt_at) FROM outbox WHERE status IN ('pending','sending')\(filter)",
                arguments: args
            ).map(Date.init(timeIntervalSince1970:))
        }
    }

    public func recordDelivery(_ entry: TimelineEntry) async throws {
        try await write { tx in try tx.append(entry) }
    }

    public func outboxCounts() async throws -> [String: Int] {
        try await writer.read { db in
            var out: [String: Int] = ["pending": 0, "sending": 0, "sent": 0, "failed": 0]
            for r in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM outbox GROUP BY status") {
                out[r["status"]] = r["n"]
            }
            return out
        }
    }
}
