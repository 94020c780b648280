import BridgeCore
import Foundation
import Logging
import ServiceLifecycle

/// Runs a loop that must have one instance at a time (the Matrix `/sync` poller, the Mattermost WebSocket,
/// retention) only while this process holds its lease in the store: always with SQLite; with PostgreSQL, on
/// one of the instances, and on another one within a few seconds of the holder's death (its advisory lock goes
/// with its connection).
public struct LeasedService: Service {
    let name: String
    let storage: any BridgeStorage
    let inner: any Service
    let logger: Logger
    let checkEvery: Double
    /// Logs when the lease is taken (the instance lease is taken by every instance: not worth a line).
    var announce = true

    public init(_ name: String, storage: any BridgeStorage, inner: any Service, logger: Logger, checkEvery: Double = 5) {
        self.name = name
        self.storage = storage
        self.inner = inner
        self.logger = logger
        self.checkEvery = checkEvery
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                let lease: (any StorageLease)?
                do {
                    lease = try await storage.acquireLease(name)
                } catch {
                    logger.error("cannot take a lease; trying again", metadata: ["lease": "\(name)", "error": "\(error)"])
                    try? await Task.sleep(nanoseconds: Bounds.nanoseconds(checkEvery))
                    continue
                }
                guard let lease else { break }
                if announce, !(lease is LocalLease) { logger.info("lease taken: running here", metadata: ["lease": "\(name)"]) }
                let inner = self.inner
                let every = checkEvery
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { try? await inner.run() }
                    group.addTask {
                        while !Task.isCancelled, await lease.isHeld() {
                            try? await Task.sleep(nanoseconds: Bounds.nanoseconds(every))
                        }
                    }
                    _ = await group.next()
                    group.cancelAll()
                }
                await lease.release()
                if !Task.isCancelled { logger.warning("lease lost; waiting to take it again", metadata: ["lease": "\(name)"]) }
            }
        }
    }
}

/// Does nothing until shutdown: under `LeasedService` it keeps a lease held for the life of the process.
public struct HoldService: Service {
    public init() {}
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled { try? await Task.sleep(nanoseconds: 3_600_000_000_000) }
        }
    }
}
