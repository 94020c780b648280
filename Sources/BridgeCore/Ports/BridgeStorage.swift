import Foundation

/// Everything `serve` keeps, whichever database holds it: incidents, timelines and timers (`IncidentStore`), the
/// outbox (`OutboxQueue`), cursors (`CursorStore`), and upkeep. SQLite (one instance) and PostgreSQL (several
/// instances on one database) implement it and pass the same conformance suite.
public protocol BridgeStorage: IncidentStore, OutboxQueue, CursorStore, InboundAttempts {
    /// Where the data lives, for logs (a file path, or a URL without its password).
    var location: String { get }
    /// Writes one row, so `/healthz` knows the database takes writes.
    func probeWrite() async throws
    /// Deletes sent outbox rows older than `sentBefore`, inbound delivery ids older than `inboundBefore` and the
    /// alert fingerprints of incidents no longer open; never anything unsent.
    func purge(sentBefore: Date, inboundBefore: Date) async throws -> (outbox: Int, inbound: Int)
    /// Waits until this instance holds the lease `name` (one holder among all instances: the Matrix poller, the
    /// Mattermost WebSocket, retention), then returns it; nil when cancelled. One instance alone always holds it.
    func acquireLease(_ name: String) async throws -> (any StorageLease)?
}

/// A held lease: lost when its holder dies (another instance takes it over).
public protocol StorageLease: Sendable {
    /// False once the lease is lost (the database connection that holds it broke).
    func isHeld() async -> Bool
    func release() async
}

/// The lease of a single instance: always held.
public struct LocalLease: StorageLease {
    public init() {}
    public func isHeld() async -> Bool { true }
    public func release() async {}
}
