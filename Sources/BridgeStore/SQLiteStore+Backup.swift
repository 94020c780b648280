import BridgeCore
import Foundation
import GRDB

/// A backup that could not be written; the message says what to do about it.
public struct BackupError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// What a backup wrote, counted in the backup file itself.
public struct BackupSummary: Sendable, Equatable {
    /// The backup file.
    public var path: String
    public var incidents: Int
    public var openIncidents: Int
    public var timelineEntries: Int
    public var pendingTimers: Int
    public var outboxRows: Int
    public var bytes: Int64
}

extension SQLiteStore {
    /// Copies this store's database into a new file with the SQLite online backup API: one consistent snapshot,
    /// taken while other connections keep writing.
    public func backup(to path: String, overwrite: Bool = false) async throws -> BackupSummary {
        try await Self.offload { try Self.backup(from: writer, source: self.path, to: path, overwrite: overwrite) }
    }

    /// Backs up the database file at `source` (for example the one a running `serve` writes) without creating or
    /// migrating it.
    public static func backup(
        databaseAt source: String,
        to path: String,
        overwrite: Bool = false
    ) async throws
        -> BackupSummary
    {
        try await offload {
            guard FileManager.default.fileExists(atPath: source) else {
                throw BackupError(message: "no database at \(source) (give the one serve uses with --db)")
            }
            var config = Configuration()
            config.busyMode = .timeout(10)
            let pool = try DatabasePool(path: source, configuration: config)
            defer { try? pool.close() }
            let isBridge = try pool.read { db in try db.tableExists("incidents") && db.tableExists("timeline") }
            guard isBridge else {
                throw BackupError(message: "\(source) is not an incident-bridge database (no incidents table)")
            }
            return try backup(from: pool, source: source, to: path, overwrite: overwrite)
        }
    }

    /// Runs blocking SQLite work off the cooperative pool.
    static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
        }
    }

    /// Writes the backup beside `path` under a temporary name (mode 0600), checks it, then moves it into place,
    /// so `path` is either absent, the previous file, or a complete backup.
    static func backup(
        from source: any DatabaseReader,
        source sourcePath: String,
        to path: String,
        overwrite: Bool
    ) throws -> BackupSummary {
        let fm = FileManager.default
        let target = URL(fileURLWithPath: path).standardizedFileURL
        if sourcePath != ":memory:",
            target.resolvingSymlinksInPath().path
                == URL(fileURLWithPath: sourcePath).standardizedFileURL.resolvingSymlinksInPath().path
        {
            throw BackupError(message: "\(path) is the database itself; write the backup to another file")
        }
        if fm.fileExists(atPath: target.path), !overwrite {
            throw BackupError(message: "\(path) exists; choose a new file or pass --force to replace it")
        }
        let dir = target.deletingLastPathComponent()
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        let partial = dir.appendingPathComponent(".\(target.lastPathComponent).partial-\(UUID().uuidString)")
        let leftovers = [partial.path, partial.path + "-journal", partial.path + "-wal", partial.path + "-shm"]
        defer { for f in leftovers { try? fm.removeItem(atPath: f) } }

        // The file is created owner-only before SQLite opens it (its journal takes the same mode): a backup holds
        // every incident and is never readable by other users, whatever the umask.
        let fd = open(partial.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0, fchmod(fd, 0o600) == 0 else {
            let reason = String(cString: strerror(errno))
            if fd >= 0 { close(fd) }
            throw BackupError(message: "could not create the backup beside \(path): \(reason)")
        }
        close(fd)

        var summary: BackupSummary
        do {
            let destination = try DatabaseQueue(path: partial.path)
            try source.backup(to: destination)
            summary = try destination.writeWithoutTransaction { db in
                // The copy carries the source's WAL flag: make the backup one self-contained file.
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
                let check = try String.fetchOne(db, sql: "PRAGMA quick_check") ?? "no answer"
                guard check == "ok" else {
                    throw BackupError(message: "the backup failed its integrity check: \(check)")
                }
                return BackupSummary(
                    path: target.path,
                    incidents: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM incidents") ?? 0,
                    openIncidents: try Int.fetchOne(
                        db,
                        sql: """
                            SELECT COUNT(*) FROM incidents WHERE state IN ('declared','acknowledged','mitigated')
                            """
                    ) ?? 0,
                    timelineEntries: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM timeline") ?? 0,
                    pendingTimers: try Int.fetchOne(
                        db,
                        sql: """
                            SELECT COUNT(*) FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL
                            """
                    ) ?? 0,
                    outboxRows: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") ?? 0,
                    bytes: 0
                )
            }
            try destination.close()
        } catch let e as BackupError {
            throw e
        } catch {
            throw BackupError(message: "backup of \(sourcePath) to \(path) failed: \(error)")
        }
        if overwrite {
            guard rename(partial.path, target.path) == 0 else {
                throw BackupError(
                    message: "could not move the backup into \(path): \(String(cString: strerror(errno)))"
                )
            }
        } else {
            // link(2) fails when the target appeared meanwhile: never replace a file without --force.
            if link(partial.path, target.path) != 0 {
                if errno == EEXIST { throw BackupError(message: "\(path) exists; pass --force to replace it") }
                do {
                    try fm.moveItem(atPath: partial.path, toPath: target.path)  // a file system without hard links
                } catch {
                    throw BackupError(message: "could not write \(path): \(error)")
                }
            }
        }
        let attributes = try? fm.attributesOfItem(atPath: target.path)
        summary.bytes = (attributes?[.size] as? NSNumber)?.int64Value ?? 0
        return summary
    }
}
