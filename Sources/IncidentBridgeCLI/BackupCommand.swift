import ArgumentParser
import BridgeChat
import BridgeServer
import BridgeStore
import Foundation

/// `incident-bridge backup FILE`: a consistent online copy of the database, safe while `serve` writes to it.
struct Backup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Back up the database to FILE while the bot runs (SQLite online backup; restore = start on a copy).",
        discussion: """
            The backup is one self-contained SQLite file. Restore: stop serve, copy FILE to the --db path of a fresh \
            directory (no old -wal/-shm beside it), start serve with that --db. Run it as the user serve runs as: FILE is readable by that user only (0600).
            """
    )

    @OptionGroup var common: CommonOptions

    @Argument(help: "The backup file to write (refused if it exists, unless --force).")
    var file: String

    @Flag(name: .long, help: "Replace FILE if it exists.")
    var force = false

    func run() async throws {
        let summary: BackupSummary
        if StorageOpener.isPostgres(common.db) {
            ConsoleOutput.error("incident-bridge backup: copies a SQLite file; back up PostgreSQL with pg_dump (or your provider's snapshots)")
            throw ExitCode(2)
        }
        do {
            summary = try await SQLiteStore.backup(databaseAt: common.db, to: file, overwrite: force)
        } catch {
            ConsoleOutput.error("incident-bridge backup: \(error)")
            throw ExitCode(1)
        }
        ConsoleOutput.write(
            """
            backup of \(common.db) written to \(summary.path) (\(summary.bytes) bytes): \
            \(summary.incidents) incidents (\(summary.openIncidents) open), \(summary.timelineEntries) timeline entries, \
            \(summary.pendingTimers) pending timers, \(summary.outboxRows) outbox rows
            """
        )
    }
}
