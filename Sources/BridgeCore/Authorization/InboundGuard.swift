import Foundation

/// Acts on an inbound event a bounded number of times: the attempt is committed before acting; an event whose
/// earlier attempt never ended (its instance died while acting on it) is skipped and answered "could not be
/// processed" instead of being run again, so one poison event cannot crash-loop every instance. `retriesAfterCrash`
/// trades one more crash for not losing an innocent event that was in hand when the process was killed: 0 for chat
/// (the sender is told and can send it again), 1 for alerts (a skipped alert is a page nobody gets).
public struct InboundGuard: Sendable {
    public enum Start: Sendable, Equatable {
        /// Act on it (first delivery, or a repeat while the first is still in hand or after it ended: the
        /// command's own dedup answers those).
        case act(settle: Bool)
        /// An earlier attempt died while acting: skip and say so (once).
        case poisoned(attempts: Int)
        /// Already skipped as poison: ignore silently.
        case ignore
    }

    public let attempts: any InboundAttempts
    /// This process's instance id (the owner of its attempts).
    public let instance: String
    public let clock: any BridgeClock
    /// How many times an event whose owner died is taken over and acted on again before it counts as poison.
    public var retriesAfterCrash = 0
    /// Called once per poison event (the composition root logs it as critical and counts it in `/metrics`).
    public var onPoison: @Sendable (String, Int) -> Void

    public init(
        attempts: any InboundAttempts,
        instance: String,
        clock: any BridgeClock,
        onPoison: @escaping @Sendable (String, Int) -> Void = { _, _ in }
    ) {
        self.attempts = attempts
        self.instance = instance
        self.clock = clock
        self.onPoison = onPoison
    }

    /// Records the attempt (committed before this returns) and says what to do with the event.
    public func begin(_ key: String) async -> Start {
        let before: InboundAttempt?
        do {
            before = try await attempts.beginInbound(key, owner: instance, at: clock.now())
        } catch {
            // The store refused the write: the command's own transaction will fail the same way and say so.
            return .act(settle: false)
        }
        guard let before else { return .act(settle: true) }
        switch before.state {
        case InboundAttempt.done: return .act(settle: false)
        case InboundAttempt.skipped: return .ignore
        default:
            if before.owner == instance { return .act(settle: false) }
            if await attempts.instanceAlive(before.owner) { return .act(settle: false) }
            if retriesAfterCrash > 0, before.state == InboundAttempt.acting {
                try? await attempts.takeOverInbound(key, owner: instance)
                return .act(settle: true)
            }
            try? await attempts.settleInbound(key, state: InboundAttempt.skipped)
            onPoison(key, before.attempts)
            return .poisoned(attempts: before.attempts)
        }
    }

    /// Marks the event acted on to the end.
    public func finish(_ key: String) async {
        try? await attempts.settleInbound(key, state: InboundAttempt.done)
    }

    /// Runs `work` for the event `key` under the guard; `poisoned` answers an event skipped as poison, nil ignores it.
    public func run<T: Sendable>(
        _ key: String?,
        poisoned: @Sendable (Int) -> T?,
        _ work: @Sendable () async -> T
    ) async -> T? {
        guard let key else { return await work() }
        switch await begin(key) {
        case .ignore: return nil
        case .poisoned(let n): return poisoned(n)
        case .act(let settle):
            let value = await work()
            if settle { await finish(key) }
            return value
        }
    }
}

/// This process among the instances that share a database.
public enum BridgeInstance {
    /// Made once per process: the owner of the inbound attempts it begins.
    public static let id: String = UUID().uuidString.lowercased()
    /// The lease an instance holds while it runs (`BridgeStorage.acquireLease`), so others can tell it is alive.
    public static func lease(_ id: String) -> String { "instance:\(id)" }
}
