import BridgeCore
import Foundation
import PostgresNIO

/// The outbox on PostgreSQL: the same lanes (one queue per destination, head first) and the same lease as on
/// SQLite. Taking a row is a compare-and-set on its lease deadline, so of two instances that see the same head
/// only one sends it, and a dead instance's lease runs out (60 s) for a survivor to take the row.
extension PostgresStore: OutboxQueue {
    static func platformFilter(_ platforms: Set<String>?, from index: Int) -> (String, [PostgresData]) {
        guard let platforms, !platforms.isEmpty else { return ("", []) }
        let sorted = platforms.sorted()
        let marks = (0..<sorted.count).map { "$\($0 + index)" }.joined(separator: ",")
        return (" AND platform IN (\(marks))", sorted.map { PostgresData(string: $0) })
    }

    static func message(_ r: PGConnection.Row) -> OutboxMessage {
        var m = OutboxMessage(
            id: r.int64("id"),
            incidentID: r.string("incident_id").map(IncidentID.init(rawValue:)),
            destination: Destination(platform: r.string("platform") ?? "", channel: r.string("channel") ?? ""),
            kind: r.string("kind") ?? "",
            text: r.string("text") ?? "",
            mentions: r.string("mentions").flatMap { try? PGTransaction.decoder.decode([String].self, from: Data($0.utf8)) } ?? [],
            createdAt: r.date("created_at") ?? .distantPast
        )
        m.status = r.string("status").flatMap(OutboxMessage.Status.init(rawValue:)) ?? .pending
        m.attempts = r.int("attempts") ?? 0
        m.nextAttemptAt = r.date("next_attempt_at") ?? .distantPast
        m.lastError = r.string("last_error")
        m.sentAt = r.date("sent_at")
        return m
    }

    public func dueMessages(now: Date, platforms: Set<String>?, limit: Int) async throws -> [OutboxMessage] {
        let (filter, binds) = Self.platformFilter(platforms, from: 3)
        return try await transaction(readOnly: true) { c in
            try c.query(
                """
                SELECT o.* FROM outbox o
                JOIN (SELECT platform, channel, MIN(id) AS head FROM outbox
                      WHERE status IN ('pending','sending')\(filter) GROUP BY platform, channel) h ON o.id = h.head
                WHERE o.next_attempt_at <= $1 ORDER BY o.id LIMIT $2
                """,
                [.time(now), .int(limit)] + binds
            ).map(Self.message)
        }
    }

    public func laneHeads(limit: Int) async throws -> [OutboxMessage] {
        try await transaction(readOnly: true) { c in
            try c.query(
                """
                SELECT o.* FROM outbox o
                JOIN (SELECT platform, channel, MIN(id) AS head FROM outbox
                      WHERE status IN ('pending','sending') GROUP BY platform, channel) h ON o.id = h.head
                ORDER BY o.next_attempt_at LIMIT $1
                """,
                [.int(limit)]
            ).map(Self.message)
        }
    }

    /// As SQLite's: a row interrupted twice (its sender died while sending it) fails for good.
    public func markSending(_ id: Int64, at: Date, leaseUntil: Date) async throws -> Bool {
        try await transaction(readOnly: false) { c in
            let poisoned = try c.affected(
                """
                UPDATE outbox SET status = 'failed', last_error = 'the bot stopped twice while sending this row (a poison message?): given up; incident-bridge outbox retry sends it again'
                WHERE id = $1 AND status = 'sending' AND next_attempt_at <= $2 AND interrupted >= 2
                """,
                [.init(int64: id), .time(at)]
            )
            if poisoned == 1 { return false }
            return try c.affected(
                """
                UPDATE outbox SET status = 'sending', next_attempt_at = $1,
                    interrupted = interrupted + (CASE WHEN status = 'sending' THEN 1 ELSE 0 END)
                WHERE id = $2 AND status IN ('pending','sending') AND next_attempt_at <= $3
                """,
                [.time(leaseUntil), .init(int64: id), .time(at)]
            ) == 1
        }
    }

    public func discard(_ id: Int64, note: TimelineEntry?) async throws {
        try await transaction(readOnly: false) { c in
            if try c.affected("DELETE FROM outbox WHERE id = $1 AND status != 'sent'", [.init(int64: id)]) == 1, let note {
                try PGTransaction(c: c, writing: true).append(note)
            }
        }
    }

    public func release(_ id: Int64, next: Date) async throws {
        try await transaction(readOnly: false) { c in
            try c.run(
                "UPDATE outbox SET status = 'pending', next_attempt_at = $1 WHERE id = $2 AND status = 'sending'",
                [.time(next), .init(int64: id)]
            )
        }
    }

    public func markSent(_ id: Int64, at: Date) async throws {
        try await transaction(readOnly: false) { c in
            try c.run(
                "UPDATE outbox SET status = 'sent', sent_at = $1, last_error = NULL WHERE id = $2 AND status = 'sending'",
                [.time(at), .init(int64: id)]
            )
        }
    }

    public func markRetry(_ id: Int64, attempts: Int, next: Date, error: String) async throws {
        try await transaction(readOnly: false) { c in
            try c.run(
                """
                UPDATE outbox SET status = 'pending', attempts = $1, next_attempt_at = $2, last_error = $3
                WHERE id = $4 AND status = 'sending'
                """,
                [.int(attempts), .time(next), .text(error), .init(int64: id)]
            )
        }
    }

    public func markFailed(_ id: Int64, attempts: Int, error: String, at: Date) async throws {
        try await transaction(readOnly: false) { c in
            try c.run(
                "UPDATE outbox SET status = 'failed', attempts = $1, last_error = $2 WHERE id = $3 AND status = 'sending'",
                [.int(attempts), .text(error), .init(int64: id)]
            )
        }
    }

    public func nextAttemptDate(platforms: Set<String>?) async throws -> Date? {
        let (filter, binds) = Self.platformFilter(platforms, from: 1)
        return try await transaction(readOnly: true) { c in
            try c.query("SELECT MIN(next_attempt_at) AS next FROM outbox WHERE status IN ('pending','sending')\(filter)", binds)
                .first?.date("next")
        }
    }

    public func recordDelivery(_ entry: TimelineEntry) async throws {
        try await write { tx in try tx.append(entry) }
    }

    public func outboxCounts() async throws -> [String: Int] {
        try await transaction(readOnly: true) { c in
            var out: [String: Int] = ["pending": 0, "sending": 0, "sent": 0, "failed": 0]
            for r in try c.query("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status") {
                if let s = r.string("status") { out[s] = r.int("n") ?? 0 }
            }
            return out
        }
    }
}
