import BridgeChat
import BridgeCore
import BridgePaging
import BridgePostgres
import BridgeStore
import BridgeTemplates
import BridgeTransport
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle

/// `/healthz`: database writable, loops started and not stalled, chat connections up.
extension BridgeServer {
    /// How long due work may wait, with its loop silent, before `/healthz` calls the loop stalled.
    public static let stallAfter: Double = 60

    /// Database writable, scheduler and dispatcher started and not stalled.
    public static func health(_ parts: Parts) async -> (ok: Bool, text: String) {
        var problems: [String] = []
        let store = parts.environment.store
        if let error = await parts.writeProbe.result(now: parts.environment.clock.now(), probe: {
            try await store.probeWrite()
        }) {
            problems.append("database not writable: \(error)")
        }
        if parts.schedulerBeat.lastBeat == nil { problems.append("scheduler has not started") }
        if parts.dispatcherBeat.lastBeat == nil { problems.append("dispatcher has not started") }
        // Stalled: work has been due for longer than `stallAfter` and the loop has made no progress meanwhile.
        let now = parts.environment.service.clock.now()
        func quiet(_ beat: Heartbeat) -> Double? {
            beat.lastBeat.map { now.timeIntervalSince($0) }.flatMap { $0 > stallAfter ? $0 : nil }
        }
        if let since = quiet(parts.schedulerBeat),
            let due = try? await store.read({ try $0.nextTimerDue() }), now.timeIntervalSince(due) > stallAfter
        {
            problems.append(
                "scheduler stalled: a timer is \(Int(now.timeIntervalSince(due))) s overdue and the scheduler "
                    + "made no progress for \(Int(since)) s"
            )
        }
        if let since = quiet(parts.dispatcherBeat),
            let head = try? await store.dueMessages(now: now.addingTimeInterval(-stallAfter), platforms: nil, limit: 1)
                .first
        {
            problems.append(
                "dispatcher stalled: outbox row \(head.id ?? 0) for \(head.destination.platform) has been due "
                    + "\(Int(now.timeIntervalSince(head.nextAttemptAt))) s and the dispatcher made no progress for "
                    + "\(Int(since)) s"
            )
        }
        // Outbound chat connections: reconnecting for longer than a minute, or stopped, is a problem.
        let sockets = parts.connections.health(now: now, grace: stallAfter)
        if !sockets.ok { problems.append("chat connection down") }
        let status = problems.isEmpty ? "ok" : problems.joined(separator: "; ")
        return (problems.isEmpty, ([status] + sockets.lines).joined(separator: "\n"))
    }
}

/// `/healthz`'s database write probe, cached: an unauthenticated GET must not cost a write each time.
public final class WriteProbe: @unchecked Sendable {
    /// How long one probe result stands.
    public let interval: TimeInterval
    private let lock = NSLock()
    private var last: (at: Date, error: String?)?
    /// Probes run, for tests.
    public private(set) var probes = 0

    public init(interval: TimeInterval = 10) { self.interval = interval }

    /// The error of the latest probe (nil: writable), probing again when the last one is older than `interval`.
    public func result(now: Date, probe: () async throws -> Void) async -> String? {
        if let l = lock.withLock({ last }), now.timeIntervalSince(l.at) < interval { return l.error }
        var failure: String?
        do { try await probe() } catch { failure = "\(error)" }
        lock.withLock {
            last = (now, failure)
            probes += 1
        }
        return failure
    }
}
