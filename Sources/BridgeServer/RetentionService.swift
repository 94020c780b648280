import BridgeCore
import Foundation
import Logging
import ServiceLifecycle

/// Deletes sent outbox rows and inbound delivery ids past `retention` at start and then every `every` seconds,
/// so the database stays small over years; unsent rows are never touched.
public struct RetentionService: Service {
    public let store: any BridgeStorage
    public let retention: BridgeConfiguration.Retention
    public let clock: any BridgeClock
    public let every: TimeInterval
    let logger: Logger

    public init(
        store: any BridgeStorage,
        retention: BridgeConfiguration.Retention,
        clock: any BridgeClock,
        every: TimeInterval = 3600,
        logger: Logger
    ) {
        self.store = store
        self.retention = retention
        self.clock = clock
        self.every = every
        self.logger = logger
    }

    /// One pass: what it removed.
    @discardableResult
    public func purgeOnce() async throws -> (outbox: Int, inbound: Int) {
        let now = clock.now()
        let removed = try await store.purge(
            sentBefore: now.addingTimeInterval(-retention.outboxSent.timeInterval),
            inboundBefore: now.addingTimeInterval(-retention.inbound.timeInterval)
        )
        if removed.outbox + removed.inbound > 0 {
            logger.info(
                "retention removed old rows",
                metadata: ["outbox.sent": "\(removed.outbox)", "inbound": "\(removed.inbound)"]
            )
        }
        return removed
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await purgeOnce()
                } catch {
                    logger.error("retention failed; will try again", metadata: ["error": "\(error)"])
                }
                do {
                    try await clock.sleep(until: clock.now().addingTimeInterval(every))
                } catch {
                    return
                }
            }
        }
    }
}
