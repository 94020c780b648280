import Foundation

/// What a store knew of an inbound event (a Matrix event id, a Mattermost post id, a Slack envelope id, an alert
/// delivery) before this attempt to act on it.
public struct InboundAttempt: Sendable, Equatable {
    /// Acting on it began and has not ended (or its process died while acting).
    public static let acting = "acting"
    /// Taken over by another instance after its first owner died while acting (acted on once more).
    public static let retrying = "retrying"
    /// Acted on to the end.
    public static let done = "done"
    /// Skipped as a poison event: an earlier attempt died while acting on it.
    public static let skipped = "skipped"

    /// The instance (`BridgeInstance.id`) that began the first attempt.
    public var owner: String
    public var state: String
    /// Attempts so far, this one included.
    public var attempts: Int
    public init(owner: String, state: String, attempts: Int) {
        self.owner = owner
        self.state = state
        self.attempts = attempts
    }
}

/// The durable record of inbound events being acted on: written and committed *before* acting, so an event whose
/// handling killed the process is recognised when it is delivered again (a poller's cursor is saved after acting;
/// Slack re-sends an unacknowledged envelope) and is skipped instead of crash-looping every instance.
public protocol InboundAttempts: Sendable {
    /// Records that `owner` begins acting on `key`; returns the record as it was before (nil: the first attempt).
    /// An existing record keeps its owner and counts one more attempt.
    func beginInbound(_ key: String, owner: String, at: Date) async throws -> InboundAttempt?
    /// Sets the state of `key` (`done` after acting, `skipped` for a poison event).
    func settleInbound(_ key: String, state: String) async throws
    /// Makes `owner` the owner of `key` in the state `retrying` (its first owner died while acting on it).
    func takeOverInbound(_ key: String, owner: String) async throws
    /// Whether the instance `owner` is still running (it holds its instance lease); a store that one process owns
    /// (SQLite) knows no other live instance.
    func instanceAlive(_ owner: String) async -> Bool
}
