import Foundation

/// Fires due timers: each firing (guard, incident row, timeline, outbox rows, next timer) is one transaction,
/// so a timer fires exactly once across crashes and restarts.
public struct TimerEngine: Sendable {
    public var config: BridgeConfiguration
    public var store: any IncidentStore
    /// Where the posts and pages of a fired step go.
    public var outgoing: Outgoing
    public var clock: any BridgeClock
    /// Called once per fired timer with its kind (metrics) and after commits that enqueued posts.
    public var onFired: @Sendable (IncidentTimer, LifecycleEffects?) -> Void

    public init(
        config: BridgeConfiguration,
        store: any IncidentStore,
        outgoing: Outgoing,
        clock: any BridgeClock,
        onFired: @escaping @Sendable (IncidentTimer, LifecycleEffects?) -> Void = { _, _ in }
    ) {
        self.config = config
        self.store = store
        self.outgoing = outgoing
        self.clock = clock
        self.onFired = onFired
    }

    /// Fires every timer due now; returns how many fired.
    @discardableResult
    /// `progress` is called after every batch (a long catch-up after downtime is progress, not a stall).
    public func fireDue(batch: Int = 200, progress: @Sendable () -> Void = {}) async throws -> Int {
        var total = 0
        while true {
            let now = clock.now()
            let due = try await store.read { try $0.dueTimers(now: now, limit: batch) }
            if due.isEmpty { return total }
            for timer in due { if try await fire(timer) { total += 1 } }
            progress()
            if due.count < batch { return total }
        }
    }

    /// Fires one timer in its own transaction; false when another firing or a cancellation got there first.
    public func fire(_ timer: IncidentTimer) async throws -> Bool {
        guard let timerID = timer.id else { return false }
        let config = self.config
        let outgoing = self.outgoing
        let now = clock.now()
        let result = try await store.write { tx -> (Bool, LifecycleEffects?) in
            // The incident first, then the timer: the order a command takes them in (a shared store locks rows,
            // and the opposite orders would deadlock an ack against the escalation it stops).
            let incident = try tx.incident(timer.incidentID)
            guard try tx.markFired(timerID, at: now) else { return (false, nil) }
            guard let incident,
                let fx = TimerFiring(config: config, overrides: try tx.overridesInForce(config, at: now))
                    .fire(timer, incident: incident, now: now)
            else { return (true, nil) }
            if fx.incident != incident { try tx.update(fx.incident) }
            try IncidentService.commit(fx, tx: tx, now: now, outgoing: outgoing)
            return (true, fx)
        }
        if result.0 { onFired(timer, result.1) }
        return result.0
    }

    /// The earliest pending due time.
    public func nextDue() async throws -> Date? { try await store.read { try $0.nextTimerDue() } }
}
