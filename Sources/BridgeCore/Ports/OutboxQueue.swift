import Foundation

extension OutboxMessage {
    /// A key for this row that a receiver can deduplicate on: stable across retries, and never repeated by a
    /// database restored from a backup (whose row ids start again) because it carries the creation time.
    public var deliveryKey: String {
        "\(id ?? 0)-\(Int64((createdAt.timeIntervalSince1970 * 1000).rounded()))"
    }
}

/// The outbox as the dispatcher sees it: due rows, and their outcome.
public protocol OutboxQueue: Sendable {
    /// Due rows, oldest first, at most the head row of each destination so order is kept per channel; a row
    /// whose lease expired is due again.
    func dueMessages(now: Date, platforms: Set<String>?, limit: Int) async throws -> [OutboxMessage]
    /// Leases a row for one send until `leaseUntil` (committed before the send): a crash leaves the lease to
    /// expire and the row is sent again then (at least once); nothing else sends it meanwhile.
    /// False when the row is not free to take (sent, failed, or leased by another sender whose lease holds).
    func markSending(_ id: Int64, at: Date, leaseUntil: Date) async throws -> Bool
    /// Removes a row that is too old to matter, writing `note` to its incident's timeline in the same transaction.
    func discard(_ id: Int64, note: TimelineEntry?) async throws
    /// Returns a leased row to the queue without counting an attempt (shutdown, cancellation, our own errors).
    func release(_ id: Int64, next: Date) async throws
    func markSent(_ id: Int64, at: Date) async throws
    func markRetry(_ id: Int64, attempts: Int, next: Date, error: String) async throws
    func markFailed(_ id: Int64, attempts: Int, error: String, at: Date) async throws
    /// The head row of every destination's queue, due or not, earliest next attempt first.
    func laneHeads(limit: Int) async throws -> [OutboxMessage]
    /// When the earliest pending row becomes due, if any.
    func nextAttemptDate(platforms: Set<String>?) async throws -> Date?
    /// Writes a timeline entry about a delivery (pages: delivered or failed).
    func recordDelivery(_ entry: TimelineEntry) async throws
    /// Counts by status (pending, sending, sent, failed).
    func outboxCounts() async throws -> [String: Int]
}
