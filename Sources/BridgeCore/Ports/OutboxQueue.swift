import Foundation

/// The outbox as the dispatcher sees it: due rows, and their outcome.
public protocol OutboxQueue: Sendable {
    /// Due rows, oldest first, at most the head row of each destination so order is kept per channel.
    func dueMessages(now: Date, platforms: Set<String>?, limit: Int) async throws -> [OutboxMessage]
    /// Marks a row as being sent (committed before the send, so a crash is noticed).
    func markSending(_ id: Int64, at: Date) async throws
    func markSent(_ id: Int64, at: Date) async throws
    func markRetry(_ id: Int64, attempts: Int, next: Date, error: String) async throws
    func markFailed(_ id: Int64, attempts: Int, error: String, at: Date) async throws
    /// When the earliest pending row becomes due, if any.
    func nextAttemptDate(platforms: Set<String>?) async throws -> Date?
    /// Writes a timeline entry about a delivery (pages: delivered or failed).
    func recordDelivery(_ entry: TimelineEntry) async throws
    /// Counts by status (pending, sending, sent, failed).
    func outboxCounts() async throws -> [String: Int]
}
