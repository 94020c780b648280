import BridgeCore
import Foundation

/// The outbox on either database: one queue per destination, head first, and a lease per send. Taking a row is
/// a compare-and-set on its lease deadline (`next_attempt_at` of a sending row), so of two senders that see the
/// same head only one sends it, and a dead sender's lease runs out for a survivor to take the row.
extension SQLStore {
    static func platformFilter(_ platforms: Set<String>?) -> (String, [SQLValue]) {
        guard let platforms, !platforms.isEmpty else { return ("", []) }
        let marks = Array(repeating: "?", count: platforms.count).joined(separator: ",")
        return (" AND platform IN (\(marks))", platforms.sorted().map { .text($0) })
    }

    /// An outbox row as the dispatcher sees it.
    public static func message(_ r: any SQLRow) throws -> OutboxMessage {
        var m = OutboxMessage(
            id: try r.requiredInt64("id"),
            incidentID: r.string("incident_id").map(IncidentID.init(rawValue:)),
            destination: Destination(
                platform: try r.requiredString("platform"),
                channel: try r.requiredString("channel")
            ),
            kind: try r.requiredString("kind"),
            text: try r.requiredString("text"),
            mentions: (try? RecordCoding.decode([String].self, try r.requiredString("mentions"))) ?? [],
            createdAt: try r.requiredDate("created_at")
        )
        m.status = OutboxMessage.Status(rawValue: try r.requiredString("status")) ?? .pending
        m.attempts = try r.requiredInt("attempts")
        m.nextAttemptAt = try r.requiredDate("next_attempt_at")
        m.lastError = r.string("last_error")
        m.sentAt = r.date("sent_at")
        return m
    }

    /// The head (lowest id) of each destination's queue among rows `status IN ('pending','sending')`.
    static func heads(_ filter: String) -> String {
        """
        SELECT o.* FROM outbox o
        JOIN (SELECT platform, channel, MIN(id) AS head FROM outbox
              WHERE status IN ('pending','sending')\(filter) GROUP BY platform, channel) h ON o.id = h.head
        """
    }

    public func dueMessages(now: Date, platforms: Set<String>?, limit: Int) async throws -> [OutboxMessage] {
        let (filter, binds) = Self.platformFilter(platforms)
        return try await sqlRead { db in
            try db.rows(
                Self.heads(filter) + "\nWHERE o.next_attempt_at <= ? ORDER BY o.id LIMIT ?",
                binds + [.time(now), .integer(limit)]
            ).map(Self.message)
        }
    }

    /// The head row of every destination's queue (due or not), earliest next attempt first: what the dispatcher
    /// may start, and when it must look again (a destination's later rows never matter before its head).
    public func laneHeads(limit: Int) async throws -> [OutboxMessage] {
        try await sqlRead { db in
            try db.rows(Self.heads("") + "\nORDER BY o.next_attempt_at LIMIT ?", [.integer(limit)]).map(Self.message)
        }
    }

    /// A sending row's `next_attempt_at` is its lease deadline; taking the row is a compare-and-set, so two
    /// senders (the dispatcher and the console flush, or two instances) never both send it.
    /// A row found still `sending` past its lease was being sent when its process died: after two such
    /// interruptions it fails for good instead of stopping the bot again (a poison message).
    public func markSending(_ id: Int64, at: Date, leaseUntil: Date) async throws -> Bool {
        try await sqlWrite { db in
            let poisoned = try db.execute(
                """
                UPDATE outbox SET status = 'failed', last_error = 'the bot stopped twice while sending this row (a poison message?): given up; incident-bridge outbox retry sends it again'
                WHERE id = ? AND status = 'sending' AND next_attempt_at <= ? AND interrupted >= 2
                """,
                [.int(id), .time(at)]
            )
            if poisoned == 1 { return false }
            return try db.execute(
                """
                UPDATE outbox SET status = 'sending', next_attempt_at = ?,
                    interrupted = interrupted + (CASE WHEN status = 'sending' THEN 1 ELSE 0 END)
                WHERE id = ? AND status IN ('pending','sending') AND next_attempt_at <= ?
                """,
                [.time(leaseUntil), .int(id), .time(at)]
            ) == 1
        }
    }

    public func discard(_ id: Int64, note: TimelineEntry?) async throws {
        try await sqlWrite { db in
            if try db.execute("DELETE FROM outbox WHERE id = ? AND status != 'sent'", [.int(id)]) == 1, let note {
                try incidentTransaction(db, writing: true).append(note)
            }
        }
    }

    public func release(_ id: Int64, next: Date) async throws {
        try await sqlWrite { db in
            try db.execute(
                "UPDATE outbox SET status = 'pending', next_attempt_at = ? WHERE id = ? AND status = 'sending'",
                [.time(next), .int(id)]
            )
        }
    }

    public func markSent(_ id: Int64, at: Date) async throws {
        try await sqlWrite { db in
            try db.execute(
                "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ? AND status = 'sending'",
                [.time(at), .int(id)]
            )
        }
    }

    public func markRetry(_ id: Int64, attempts: Int, next: Date, error: String) async throws {
        try await sqlWrite { db in
            try db.execute(
                """
                UPDATE outbox SET status = 'pending', attempts = ?, next_attempt_at = ?, last_error = ?
                WHERE id = ? AND status = 'sending'
                """,
                [.integer(attempts), .time(next), .text(error), .int(id)]
            )
        }
    }

    public func markFailed(_ id: Int64, attempts: Int, error: String, at: Date) async throws {
        try await sqlWrite { db in
            try db.execute(
                "UPDATE outbox SET status = 'failed', attempts = ?, last_error = ? WHERE id = ? AND status = 'sending'",
                [.integer(attempts), .text(error), .int(id)]
            )
        }
    }

    public func nextAttemptDate(platforms: Set<String>?) async throws -> Date? {
        let (filter, binds) = Self.platformFilter(platforms)
        return try await sqlRead { db in
            try db.first(
                "SELECT MIN(next_attempt_at) AS next FROM outbox WHERE status IN ('pending','sending')\(filter)",
                binds
            )?.date("next")
        }
    }

    public func recordDelivery(_ entry: TimelineEntry) async throws {
        try await sqlWrite { db in try incidentTransaction(db, writing: true).append(entry) }
    }

    /// Counts by status (pending, sending, sent, failed).
    public func outboxCounts() async throws -> [String: Int] {
        try await sqlRead { db in
            var out: [String: Int] = ["pending": 0, "sending": 0, "sent": 0, "failed": 0]
            for r in try db.rows("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status") {
                out[try r.requiredString("status")] = try r.requiredInt("n")
            }
            return out
        }
    }
}
