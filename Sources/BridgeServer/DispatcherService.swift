import BridgeChat
import BridgeCore
import Foundation
import Logging
import ServiceLifecycle

/// Delivers outbox rows through the platform adapters: per-channel order, backoff with jitter, `Retry-After`,
/// permanent failures reported. Rows of platforms without an adapter go to the console sink.
public struct DispatcherService: Service {
    public let outbox: any OutboxQueue
    public let posters: [String: any ChatPoster]
    public let fallback: any ChatPoster
    public let clock: any BridgeClock
    public let wake: WakeSignal
    public let metrics: BridgeMetrics?
    public let heartbeat: Heartbeat
    public let maxAttempts: Int
    let logger: Logger

    public init(
        outbox: any OutboxQueue,
        posters: [any ChatPoster],
        fallback: any ChatPoster,
        clock: any BridgeClock,
        wake: WakeSignal,
        metrics: BridgeMetrics?,
        heartbeat: Heartbeat,
        logger: Logger,
        maxAttempts: Int = 60
    ) {
        self.outbox = outbox
        self.posters = Dictionary(posters.map { ($0.platform, $0) }, uniquingKeysWith: { a, _ in a })
        self.fallback = fallback
        self.clock = clock
        self.wake = wake
        self.metrics = metrics
        self.heartbeat = heartbeat
        self.logger = logger
        self.maxAttempts = maxAttempts
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await deliverDue()
                    heartbeat.beat(clock.now())
                    let next = try await outbox.nextAttemptDate(platforms: nil)
                    await wake.wait(until: next, clock: clock)
                } catch is CancellationError {
                    return
                } catch {
                    logger.error("dispatcher failed; retrying", metadata: ["error": "\(error)"])
                    try? await clock.sleep(until: clock.now().addingTimeInterval(2))
                }
            }
        }
    }

    /// Delivers every due row (the head of each channel), repeating until nothing is due.
    public func deliverDue() async throws {
        while !Task.isCancelled {
            let due = try await outbox.dueMessages(now: clock.now(), platforms: nil, limit: 64)
            if due.isEmpty { return }
            // Channels are independent: deliver their heads concurrently, each channel strictly in order.
            await withTaskGroup(of: Void.self) { group in
                for message in due { group.addTask { await self.deliver(message) } }
            }
            heartbeat.beat(clock.now())  // a long backlog is progress, not a stall
        }
    }

    /// Backoff before attempt `attempts + 1`: exponential from 1 s, capped at 5 min, with full jitter on top half.
    static func backoff(attempts: Int, retryAfter: TimeInterval?) -> TimeInterval {
        if let r = retryAfter { return max(0.5, min(r, 3600)) }
        let base = min(300.0, pow(2.0, Double(max(0, attempts - 1))))
        return base / 2 + Double.random(in: 0...(base / 2))
    }

    func deliver(_ message: OutboxMessage) async {
        guard let id = message.id else { return }
        let poster = posters[message.destination.platform] ?? fallback
        let attempts = message.attempts + 1
        var meta: Logger.Metadata = ["outbox.id": "\(id)", "chat.platform": "\(message.destination.platform)"]
        if let inc = message.incidentID { meta["incident.id"] = "\(inc)" }
        do {
            try await outbox.markSending(id, at: clock.now())
            try await poster.deliver(message)
            let now = clock.now()
            try await outbox.markSent(id, at: now)
            await recordPage(message, "delivered", at: now)
            metrics?.delivered.increment()
            metrics?.deliveryLatency.record(max(0, now.timeIntervalSince(message.createdAt)))
        } catch DeliveryError.retryable(let reason, let after) where attempts < maxAttempts {
            let delay = Self.backoff(attempts: attempts, retryAfter: after)
            metrics?.deliveryRetried.increment()
            if attempts == 1 || attempts % 10 == 0 {
                logger.warning(
                    "delivery failed; will retry",
                    metadata: meta.merging(["error": "\(reason)", "attempt": "\(attempts)"]) { a, _ in a }
                )
            }
            try? await outbox.markRetry(
                id,
                attempts: attempts,
                next: clock.now().addingTimeInterval(delay),
                error: reason
            )
        } catch {
            let reason = "\(error)"
            metrics?.deliveryFailed.increment()
            logger.error("delivery failed permanently", metadata: meta.merging(["error": "\(reason)"]) { a, _ in a })
            ConsoleOutput.error(
                "incident-bridge: message \(id) to \(message.destination) failed permanently: \(reason)"
            )
            try? await outbox.markFailed(id, attempts: attempts, error: reason, at: clock.now())
            await recordPage(message, "failed: \(reason)", at: clock.now())
        }
    }

    /// Pages appear in the timeline with their outcome (who, which channel, delivered or failed).
    func recordPage(_ message: OutboxMessage, _ outcome: String, at: Date) async {
        guard message.kind.hasPrefix("page_"), let inc = message.incidentID else { return }
        let action = message.kind.dropFirst("page_".count)
        let who = message.mentions.isEmpty ? "" : " (\(message.mentions.joined(separator: ", ")))"
        let entry = TimelineEntry(
            incidentID: inc,
            at: at,
            actor: "bot",
            kind: .delivery,
            text: "page \(action) via \(message.destination.platform)\(who): \(outcome)"
        )
        try? await outbox.recordDelivery(entry)
    }
}
