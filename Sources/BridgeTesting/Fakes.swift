import BridgeCore
import Foundation

/// An HTTP transport that records every request and answers from a script (200 with an empty body by default);
/// for unit tests of adapters. Live tests use `CurlTransport` against real peers or sinks.
public final class RecordingTransport: HTTPTransport, @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [HTTPRequest] = []
    private let answer: @Sendable (HTTPRequest) throws -> HTTPResponse

    public init(answer: @escaping @Sendable (HTTPRequest) throws -> HTTPResponse = { _ in HTTPResponse(status: 200) }) {
        self.answer = answer
    }

    /// Every request sent so far, in order.
    public var requests: [HTTPRequest] { lock.withLock { recorded } }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        lock.withLock { recorded.append(request) }
        return try answer(request)
    }
}

/// A poster that records what it was asked to deliver, optionally failing by a rule.
public final class RecordingPoster: ChatPoster, @unchecked Sendable {
    public let platform: String
    private let lock = NSLock()
    private var delivered: [OutboxMessage] = []
    private let outcome: @Sendable (OutboxMessage) throws -> Void

    public init(platform: String, outcome: @escaping @Sendable (OutboxMessage) throws -> Void = { _ in }) {
        self.platform = platform
        self.outcome = outcome
    }

    public var messages: [OutboxMessage] { lock.withLock { delivered } }

    public func deliver(_ message: OutboxMessage) async throws {
        try outcome(message)
        lock.withLock { delivered.append(message) }
    }
}

/// A channel directory with a fixed list of destinations (plus the origin).
public struct FixedChannels: ChannelDirectory {
    public var channels: [Destination]
    public init(_ channels: [Destination]) { self.channels = channels }
    public func destinations(origin: Destination) -> [Destination] {
        ([origin] + channels).reduce(into: []) { out, d in if !out.contains(d) { out.append(d) } }
    }
}

/// Cursors in memory.
public actor MemoryCursors: CursorStore {
    var values: [String: String] = [:]
    public init() {}
    public func value(forKey key: String) async throws -> String? { values[key] }
    public func setValue(_ value: String, forKey key: String) async throws { values[key] = value }
}
