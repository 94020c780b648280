import BridgeCore
import BridgeSQL
import Foundation

/// Cursors, the `/healthz` probe and retention come from `SQLStore` (BridgeSQL); one process owns a SQLite file.
extension SQLiteStore: CursorStore, BridgeStorage {
    public var location: String { path }

    /// One process owns a SQLite file: it always holds every lease.
    public func acquireLease(_ name: String) async throws -> (any StorageLease)? { LocalLease() }
}
