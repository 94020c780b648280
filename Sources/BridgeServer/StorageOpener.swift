import BridgeCore
import BridgePostgres
import BridgeStore
import Foundation

/// `--db` (or `INCIDENT_BRIDGE_DB`): a file path opens SQLite, `postgres://user@host:5432/database` opens
/// PostgreSQL (password from `PGPASSWORD`, TLS by `?sslmode=`: `verify-full` off loopback unless asked otherwise).
public enum StorageOpener {
    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    public static func open(_ location: String) throws -> any BridgeStorage {
        isPostgres(location) ? try PostgresStore(url: location) : try SQLiteStore(path: location)
    }
}
