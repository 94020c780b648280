import BridgeCore
import Foundation
import GRDB

/// A database written by a newer IncidentBridge than this one.
public struct StoreVersionError: Error, CustomStringConvertible {
    public var path: String
    public var unknown: [String]
    public var description: String {
        "\(path) was written by a newer incident-bridge (unknown migrations: \(unknown.joined(separator: ", "))); "
            + "upgrade the binary or restore a backup made by this version"
    }
}

/// The SQLite store: one `DatabasePool` in WAL mode; every write is one transaction.
public struct SQLiteStore: IncidentStore {
    public let writer: any DatabaseWriter
    public let path: String

    /// Opens (creating if needed) the database at `path`, migrating it; refuses a database from a newer version.
    public init(path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        var config = Configuration()
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let pool = try DatabasePool(path: path, configuration: config)
        try Self.migrate(pool, path: path)
        self.writer = pool
        self.path = path
    }

    /// An in-memory store (tests).
    public init(inMemory: Void = ()) throws {
        let queue = try DatabaseQueue()
        try Self.migrate(queue, path: ":memory:")
        self.writer = queue
        self.path = ":memory:"
    }

    static func migrate(_ writer: any DatabaseWriter, path: String) throws {
        let migrator = Migrations.migrator
        let known = Set(migrator.migrations)
        let applied = try writer.read { db in try migrator.appliedIdentifiers(db) }
        let unknown = applied.subtracting(known)
        if !unknown.isEmpty { throw StoreVersionError(path: path, unknown: unknown.sorted()) }
        try migrator.migrate(writer)
    }

    public func write<T: Sendable>(_ body: @Sendable (any IncidentTransaction) throws -> T) async throws -> T {
        try await writer.write { db in try body(GRDBTransaction(db: db)) }
    }

    public func read<T: Sendable>(_ body: @Sendable (any IncidentReader) throws -> T) async throws -> T {
        try await writer.read { db in try body(GRDBTransaction(db: db)) }
    }
}
