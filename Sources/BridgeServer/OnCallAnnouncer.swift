import BridgeCore
import BridgeStore
import Foundation
import Logging
import ServiceLifecycle

/// Hand-off posts: for schedules with `announce: true`, a post in the incident channels when a new person
/// goes on call ("Ops on-call: Takahashi → Watanabe (until ...)"), mentioning them. Each hand-off is posted
/// once (its key is recorded in the same transaction as the post), and only when it is recent: a restart does
/// not announce a shift that began hours ago.
public struct OnCallAnnouncer: Service {
    public let store: any BridgeStorage
    public let outgoing: Outgoing
    public let config: BridgeConfiguration
    public let clock: any BridgeClock
    public let onCommit: @Sendable () -> Void
    /// How late a hand-off may still be announced.
    public let grace: TimeInterval = 600
    let logger: Logger

    public init(
        store: any BridgeStorage,
        outgoing: Outgoing,
        config: BridgeConfiguration,
        clock: any BridgeClock,
        logger: Logger,
        onCommit: @escaping @Sendable () -> Void = {}
    ) {
        self.store = store
        self.outgoing = outgoing
        self.config = config
        self.clock = clock
        self.logger = logger
        self.onCommit = onCommit
    }

    /// Announces the hand-offs due now; returns when the next one is due.
    @discardableResult
    public func announceOnce() async throws -> Date {
        let now = clock.now()
        let overrides = try await store.read { try $0.onCallOverrides(endingAfter: now.addingTimeInterval(-8 * 86_400)) }
        let resolver = OnCallResolver(config: config, overrides: overrides)
        // Looked at every minute at least, so an override made meanwhile is announced when it starts.
        var next = now.addingTimeInterval(60)
        for schedule in config.schedules.values.sorted(by: { $0.id < $1.id }) where schedule.announce {
            let shifts = resolver.shifts(schedule, from: now.addingTimeInterval(-8 * 86_400), until: now.addingTimeInterval(35 * 86_400))
            guard let i = shifts.firstIndex(where: { $0.from <= now && now < $0.until }) else { continue }
            if i + 1 < shifts.count { next = min(next, shifts[i + 1].from) }
            let current = shifts[i]
            guard let person = current.person, now.timeIntervalSince(current.from) <= grace else { continue }
            let previous = i > 0 ? shifts[i - 1].person : nil
            try await post(schedule, current: current, person: person, previous: previous, now: now)
        }
        return next
    }

    func post(
        _ schedule: BridgeConfiguration.Schedule,
        current: OnCallShift,
        person: String,
        previous: String?,
        now: Date
    ) async throws {
        let tz = LocalTime(schedule.timeZone)
        let fields = [
            "schedule_name": schedule.name, "person": person,
            "previous": previous.map { config.people[$0]?.name ?? $0 } ?? "-", "until": tz.display(current.until),
        ]
        let post = Post(kind: .handoff, incident: nil, actor: "bot", mentions: [person], fields: fields)
        let rows = outgoing.channels.destinations(origin: Destination(platform: "", channel: "")).map { d in
            OutboxMessage(
                incidentID: nil,
                destination: d,
                kind: PostKind.handoff.rawValue,
                text: outgoing.renderer.render(post, for: d.platform),
                mentions: [person],
                createdAt: now
            )
        }
        let key = "oncall-handoff:\(schedule.id):\(Int(current.from.timeIntervalSince1970))"
        let posted = try await store.write { tx -> Bool in
            guard try tx.recordInbound(key: key, at: now) else { return false }
            for r in rows { try tx.enqueue(r) }
            return true
        }
        if posted {
            onCommit()
            logger.info("on-call hand-off announced", metadata: ["schedule": "\(schedule.id)", "person": "\(person)"])
        }
    }

    /// Runs until shutdown (`serve` adds it only when a schedule has `announce: true`).
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                var next = clock.now().addingTimeInterval(60)
                do {
                    next = try await announceOnce()
                } catch {
                    logger.error("on-call announcement failed", metadata: ["error": "\(error)"])
                }
                do { try await clock.sleep(until: max(next, clock.now().addingTimeInterval(1))) } catch { return }
            }
        }
    }
}
