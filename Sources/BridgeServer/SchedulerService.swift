import BridgeCore
import Foundation
import Logging
import ServiceLifecycle

/// Sleeps until the earliest due timer or until woken by a commit; fires what is due. No polling cycle.
public struct SchedulerService: Service {
    public let engine: TimerEngine
    public let wake: WakeSignal
    public let heartbeat: Heartbeat
    let logger: Logger

    /// With a database shared by several instances: look for due timers at least this often (seconds).
    public var pollEvery: Double?

    public init(engine: TimerEngine, wake: WakeSignal, heartbeat: Heartbeat, logger: Logger) {
        self.engine = engine
        self.wake = wake
        self.heartbeat = heartbeat
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var failures = 0
            while !Task.isCancelled {
                do {
                    let engine = self.engine
                    let heartbeat = self.heartbeat
                    let n = try await engine.fireDue { heartbeat.beat(engine.clock.now()) }
                    if n > 0 { logger.debug("timers fired", metadata: ["count": "\(n)"]) }
                    failures = 0
                    heartbeat.beat(engine.clock.now())
                    var next = try await engine.nextDue()
                    // Another instance on a shared database schedules timers this process is never woken for.
                    if let poll = pollEvery {
                        let cap = engine.clock.now().addingTimeInterval(poll)
                        next = min(next ?? cap, cap)
                    }
                    await wake.wait(until: next, clock: engine.clock)
                } catch is CancellationError {
                    return
                } catch {
                    failures += 1
                    if failures == 1 { logger.error("scheduler failed; retrying", metadata: ["error": "\(error)"]) }
                    let delay = min(30.0, Double(1 << min(failures, 5)))
                    try? await engine.clock.sleep(until: engine.clock.now().addingTimeInterval(delay))
                }
            }
        }
    }
}

/// When a loop last made progress (for `/healthz`): the scheduler beats after every pass and every batch of
/// firings, the dispatcher after every round of deliveries.
public final class Heartbeat: @unchecked Sendable {
    private let lock = NSLock()
    private var last: Date?
    public init() {}
    public func beat(_ at: Date) { lock.withLock { last = at } }
    public var lastBeat: Date? { lock.withLock { last } }
}
