import BridgeChat
import BridgeCore
import Foundation
import Logging
import ServiceLifecycle

/// Delivers outbox rows through the platform adapters. Each destination (platform + channel) is a lane with at
/// most one send in flight and strict order; lanes never wait for each other, so a hanging endpoint holds back
/// only its own lane. A send holds a lease on its row (`sending` until a deadline); on graceful shutdown the
/// sends in flight get `drainBound` seconds to finish, then are cancelled and their rows go back to pending.
/// Only a definite refusal from the far side fails a row for good; everything else is retried with backoff.
/// Rows of platforms without an adapter go to the console sink.
public struct DispatcherService: Service {
    public let outbox: any OutboxQueue
    public let posters: [String: any ChatPoster]
    public let fallback: any ChatPoster
    public let clock: any BridgeClock
    public let wake: WakeSignal
    public let metrics: BridgeMetrics?
    public let heartbeat: Heartbeat
    /// The words of the timeline entries it writes (in the config's language).
    public let config: BridgeConfiguration
    let logger: Logger
    let lanes = Lanes()

    /// How long one send may hold its row: longer than any transport timeout (HTTP 15 s, SMTP 30 s). A process
    /// that dies mid-send leaves the row to be sent again when this expires (at least once).
    public static let lease: TimeInterval = 60
    /// Kinds of posts that are worthless once this late (a status-update reminder or an SLA warning hours after
    /// it was due); they are dropped with a timeline note. Pages and escalations are never dropped.
    public static let staleAfter: [String: TimeInterval] = ["reminder": 2 * 3600, "sla_warning": 2 * 3600]

    /// The longest the dispatcher sleeps without looking at the outbox.
    public static let poll: TimeInterval = 5
    /// How long graceful shutdown waits for the sends in flight: longer than the HTTP timeout (15 s), so an
    /// HTTP send is never cut off half-done by a graceful stop (an SMTP send may still be, after 20 s).
    public static let drainBound: TimeInterval = 20

    public init(
        outbox: any OutboxQueue,
        posters: [any ChatPoster],
        fallback: any ChatPoster,
        clock: any BridgeClock,
        wake: WakeSignal,
        metrics: BridgeMetrics?,
        heartbeat: Heartbeat,
        config: BridgeConfiguration,
        logger: Logger
    ) {
        self.outbox = outbox
        self.posters = Dictionary(posters.map { ($0.platform, $0) }, uniquingKeysWith: { a, _ in a })
        self.fallback = fallback
        self.clock = clock
        self.wake = wake
        self.metrics = metrics
        self.heartbeat = heartbeat
        self.config = config
        self.logger = logger
    }

    /// The destinations with a send in flight.
    final class Lanes: @unchecked Sendable {
        private let lock = NSLock()
        private var busy: Set<Destination> = []
        /// True when the lane was free and is now taken.
        func take(_ d: Destination) -> Bool { lock.withLock { busy.insert(d).inserted } }
        func free(_ d: Destination) { _ = lock.withLock { busy.remove(d) } }
        func isBusy(_ d: Destination) -> Bool { lock.withLock { busy.contains(d) } }
        var count: Int { lock.withLock { busy.count } }
    }

    public func run() async throws {
        let stopping = StopFlag()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                var failures = 0
                while !Task.isCancelled && !stopping.isRaised {
                    do {
                        // Only each destination's head matters; a lane with a send in flight is left to its task,
                        // which signals when it is done (so a busy lane's due rows never make this loop spin).
                        let now = clock.now()
                        var next = now.addingTimeInterval(Self.poll)  // also look now and then: `outbox retry`
                        for head in try await outbox.laneHeads(limit: 1024) where !lanes.isBusy(head.destination) {
                            guard head.nextAttemptAt <= now else {
                                next = min(next, head.nextAttemptAt)
                                continue
                            }
                            guard lanes.take(head.destination) else { continue }
                            group.addTask {
                                await self.deliver(head)
                                self.lanes.free(head.destination)
                                self.wake.signal()  // the lane's next row may be due
                            }
                        }
                        failures = 0
                        heartbeat.beat(clock.now())
                        await wake.wait(until: next, clock: clock)
                    } catch is CancellationError {
                        break
                    } catch {
                        // The store failed (disk full, locked): back off instead of spinning.
                        failures += 1
                        if failures == 1 { logger.error("dispatcher failed; retrying", metadata: ["error": "\(error)"]) }
                        let delay = min(30.0, Double(1 << min(failures, 5)))
                        await wake.wait(until: clock.now().addingTimeInterval(delay), clock: clock)
                    }
                }
                await drain()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            stopping.raise()
            wake.signal()
        }
    }

    /// Waits (in real time) up to `drainBound` for the sends in flight to finish.
    func drain() async {
        let deadline = Date().addingTimeInterval(Self.drainBound)
        while lanes.count > 0 && Date() < deadline {
            try? await Task.sleep(nanoseconds: 20_000_000)
        }
        if lanes.count > 0 {
            logger.notice("shutdown: sends still in flight are cancelled; their rows stay queued", metadata: ["lanes": "\(lanes.count)"])
        }
    }

    /// Backoff before attempt `attempts + 1`: exponential from 1 s, capped at 5 min, with full jitter on top half.
    static func backoff(attempts: Int, retryAfter: TimeInterval?) -> TimeInterval {
        if let r = retryAfter { return max(0.5, min(r, 300)) }
        let base = min(300.0, pow(2.0, Double(max(0, attempts - 1))))
        return base / 2 + Double.random(in: 0...(base / 2))
    }

    func deliver(_ message: OutboxMessage) async {
        guard let id = message.id else { return }
        let poster = posters[message.destination.platform] ?? fallback
        var meta: Logger.Metadata = ["outbox.id": "\(id)", "chat.platform": "\(message.destination.platform)"]
        if let inc = message.incidentID { meta["incident.id"] = "\(inc)" }
        if let limit = Self.staleAfter[message.kind], clock.now().timeIntervalSince(message.createdAt) > limit {
            let late = BridgeDuration(seconds: Int(clock.now().timeIntervalSince(message.createdAt)))
            let note = message.incidentID.map {
                TimelineEntry(
                    incidentID: $0,
                    at: clock.now(),
                    actor: "bot",
                    kind: .delivery,
                    text: config.word(
                        .deliveryDropped,
                        ["kind": message.kind, "destination": "\(message.destination)", "late": late.description]
                    )
                )
            }
            try? await outbox.discard(id, note: note)
            logger.notice("stale post dropped", metadata: meta)
            return
        }
        do {
            let now = clock.now()
            guard try await outbox.markSending(id, at: now, leaseUntil: now.addingTimeInterval(Self.lease)) else {
                return  // another sender holds it
            }
        } catch {
            // Nothing was sent: the row stays pending; this lane waits a little before the next try.
            logger.error("cannot lease an outbox row", metadata: meta.merging(["error": "\(error)"]) { a, _ in a })
            try? await clock.sleep(until: clock.now().addingTimeInterval(2))
            return
        }
        do {
            try await poster.deliver(message)
        } catch where Task.isCancelled {
            // Shutdown (whatever the poster made of the cancellation): not an attempt; back to the queue.
            try? await outbox.release(id, next: clock.now())
            return
        } catch DeliveryError.permanent(let reason) {
            await failed(message, id: id, reason: reason, meta: meta)
            return
        } catch DeliveryError.retryable(let reason, let after) {
            await retry(message, id: id, reason: reason, after: after, meta: meta)
            return
        } catch is CancellationError {
            // Shutdown: not an attempt; the row goes back to the queue for the next start.
            try? await outbox.release(id, next: clock.now())
            return
        } catch {
            if Task.isCancelled {
                try? await outbox.release(id, next: clock.now())
                return
            }
            // Not known to be a refusal: retried like a transient failure.
            await retry(message, id: id, reason: "\(error)", after: nil, meta: meta)
            return
        }
        let now = clock.now()
        do {
            try await outbox.markSent(id, at: now)
        } catch {
            // Sent, but not recorded: the lease expires and the row is sent again (at least once).
            logger.error("sent but cannot mark the row sent", metadata: meta.merging(["error": "\(error)"]) { a, _ in a })
        }
        await recordPage(message, config.word(.deliveryDelivered), at: now)
        metrics?.delivered.increment()
        metrics?.deliveryLatency.record(max(0, now.timeIntervalSince(message.createdAt)))
    }

    func retry(_ message: OutboxMessage, id: Int64, reason: String, after: TimeInterval?, meta: Logger.Metadata) async {
        let attempts = message.attempts + 1
        let delay = Self.backoff(attempts: attempts, retryAfter: after)
        metrics?.deliveryRetried.increment()
        if attempts == 1 || attempts % 10 == 0 {
            logger.warning(
                "delivery failed; will retry",
                metadata: meta.merging(["error": "\(reason)", "attempt": "\(attempts)"]) { a, _ in a }
            )
        }
        try? await outbox.markRetry(id, attempts: attempts, next: clock.now().addingTimeInterval(delay), error: reason)
    }

    func failed(_ message: OutboxMessage, id: Int64, reason: String, meta: Logger.Metadata) async {
        metrics?.deliveryFailed.increment()
        logger.error("delivery failed permanently", metadata: meta.merging(["error": "\(reason)"]) { a, _ in a })
        ConsoleOutput.error("incident-bridge: message \(id) to \(message.destination) failed permanently: \(reason)")
        try? await outbox.markFailed(id, attempts: message.attempts + 1, error: reason, at: clock.now())
        await recordPage(message, config.word(.deliveryFailed, ["reason": reason]), at: clock.now())
    }

    /// Pages appear in the timeline with their outcome (who, which channel, delivered or failed).
    func recordPage(_ message: OutboxMessage, _ outcome: String, at: Date) async {
        guard message.kind.hasPrefix("page_"), let inc = message.incidentID else { return }
        let action = message.kind.dropFirst("page_".count)
        let args = [
            "action": String(action), "platform": message.destination.platform,
            "people": message.mentions.joined(separator: ", "), "outcome": outcome,
        ]
        let entry = TimelineEntry(
            incidentID: inc,
            at: at,
            actor: "bot",
            kind: .delivery,
            text: config.word(message.mentions.isEmpty ? .deliveryPage : .deliveryPageTo, args)
        )
        try? await outbox.recordDelivery(entry)
    }
}

/// Raised once when graceful shutdown begins.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    func raise() { lock.withLock { raised = true } }
    var isRaised: Bool { lock.withLock { raised } }
}
