import Foundation

/// Why a delivery did not go through, and whether trying again can help.
public enum DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Temporary (network, 429, 5xx); `retryAfter` honours the far side's `Retry-After`.
    case retryable(String, retryAfter: TimeInterval?)
    /// Will never succeed as sent (bad token, unknown channel, 4xx).
    case permanent(String)

    public var description: String {
        switch self {
        case .retryable(let m, let after): "\(m)\(after.map { " (retry after \(Int($0))s)" } ?? "")"
        case .permanent(let m): m
        }
    }
}

/// A chat or pager adapter that delivers outbox rows of one platform. The row id is the idempotency key.
public protocol ChatPoster: Sendable {
    var platform: String { get }
    func deliver(_ message: OutboxMessage) async throws
}
