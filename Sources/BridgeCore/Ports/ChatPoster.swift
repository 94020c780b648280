import Foundation

/// Why a delivery did not go through, and whether trying again can help.
public enum DeliveryError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Temporary (network, 429, 5xx); `retryAfter` honours the far side's `Retry-After`.
    case retryable(String, retryAfter: TimeInterval?)
    /// Will never succeed as sent (bad token, unknown channel, 4xx).
    case permanent(String)

    public var description: String {
        switch self {
        case .retryable(let m, let after): "\(m)\(Bounds.retryAfter(after).map { " (retry after \(Int($0))s)" } ?? "")"
        case .permanent(let m): m
        }
    }
}

/// A chat or pager adapter that delivers outbox rows of one platform. The row id is the idempotency key.
public protocol ChatPoster: Sendable {
    var platform: String { get }
    func deliver(_ message: OutboxMessage) async throws
}

extension HTTPTransport {
    /// Sends a delivery and maps the outcome the same way for every adapter: transport failures and 429/5xx are
    /// retryable (honouring `Retry-After`), a malformed request and other non-2xx answers are permanent.
    public func deliver(_ request: HTTPRequest, service: String) async throws -> HTTPResponse {
        let response: HTTPResponse
        do {
            response = try await send(request)
        } catch let e as TransportError {
            if case .invalidRequest = e { throw DeliveryError.permanent("\(service): \(e)") }
            throw DeliveryError.retryable("\(service): \(e)", retryAfter: nil)
        }
        if response.status == 429 || response.status >= 500 {
            throw DeliveryError.retryable("\(service): HTTP \(response.status)", retryAfter: response.retryAfter)
        }
        guard (200..<300).contains(response.status) else {
            throw DeliveryError.permanent(
                "\(service): HTTP \(response.status) \(String(decoding: response.body.prefix(200), as: UTF8.self))"
            )
        }
        return response
    }
}
