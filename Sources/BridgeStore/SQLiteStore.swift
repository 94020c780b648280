import BridgeCore
import BridgeSQL
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

/// The SQLite store: one `DatabasePool` in WAL mode with `synchronous = FULL` (a commit survives a power cut),
/// checkpointed in the background (`Checkpointer`).
/// Writes go through group commit: each write body is all-or-nothing (its own savepoint), the bodies that
/// arrive together share one transaction and one fsync, and nobody is answered before that commit.
public struct SQLiteStore: IncidentStore {
    public let writer: any DatabaseWriter
    public let path: String
    let committer: GroupCommitter

    /// Opens (creating if needed) the database at `path`, migrating it; refuses a database from a newer version.
    public init(path: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        var config = Configuration()
        config.busyMode = .timeout(10)
        // Memory held at idle (BENCHMARKS.md, "Years of data"): SQLite keeps every page it read in each
        // connection's cache until the connection closes (2 MB each by default). Three readers (pages, exports,
        // the dispatcher's reads) and 1 MB caches: sequential reads (exports) do not need more.
        config.maximumReaderCount = 3
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -1024")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Checkpointer.backstopPages)")
        }
        let pool = try DatabasePool(path: path, configuration: config)
        try Self.migrate(pool, path: path)
        self.writer = pool
        self.path = path
        let checkpointer = Checkpointer(path: path)
        self.committer = GroupCommitter(writer: pool) { checkpointer.nudge() }
    }

    /// An in-memory store (tests).
    public init(inMemory: Void = ()) throws {
        let queue = try DatabaseQueue()
        try Self.migrate(queue, path: ":memory:")
        self.writer = queue
        self.path = ":memory:"
        self.committer = GroupCommitter(writer: queue)
    }

    static func migrate(_ writer: any DatabaseWriter, path: String) throws {
        let migrator = Migrations.migrator
        let known = Set(migrator.migrations)
        let applied = try writer.read { db in try migrator.appliedIdentifiers(db) }
        let unknown = applied.subtracting(known)
        if !unknown.isEmpty { throw StoreVersionError(path: path, unknown: unknown.sorted()) }
        try migrator.migrate(writer)
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any IncidentTransaction) throws -> T) async throws -> T
    {
        try await committer.write { db in try body(SQLIncidentTransaction(GRDBExecutor(db: db), writing: true)) }
    }

    /// A raw write through group commit (outbox and key-value bookkeeping).
    func groupWrite<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await committer.write(body)
    }

    public func read<T: Sendable>(_ body: @Sendable (any IncidentReader) throws -> T) async throws -> T {
        try await writer.read { db in try body(SQLIncidentTransaction(GRDBExecutor(db: db), writing: false)) }
    }
}

/// The outbox, inbound attempts, cursors and retention: the shared statements (`BridgeSQL`) through group commit.
extension SQLiteStore: SQLStore, OutboxQueue, InboundAttempts {
    public func sqlWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) throws -> T) async throws -> T {
        try await committer.write { db in try body(GRDBExecutor(db: db)) }
    }

    public func sqlRead<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) throws -> T) async throws -> T {
        try await writer.read { db in try body(GRDBExecutor(db: db)) }
    }

    /// One process owns a SQLite file: an attempt begun by another instance id is one that died.
    public func instanceAlive(_ owner: String) async -> Bool { false }
}
