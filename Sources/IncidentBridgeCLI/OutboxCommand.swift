import ArgumentParser
import BridgeChat
import BridgeServer
import BridgeStore
import Foundation

/// `incident-bridge outbox`: list, requeue and drop queued messages, also while `serve` runs.
struct Outbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, retry or drop queued posts and pages (works while serve runs).",
        subcommands: [List.self, Retry.self, Drop.self],
        defaultSubcommand: List.self
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rows not yet sent: id, destination, kind, status, attempts, age, last error."
        )
        @OptionGroup var common: CommonOptions
        @Option(help: "Only rows with this status: pending, sending or failed.") var status: String?
        @Flag(help: "JSON instead of a table.") var json = false

        func run() async throws {
            if let s = status, !["pending", "sending", "failed", "sent"].contains(s) {
                ConsoleOutput.error("incident-bridge outbox: unknown status '\(s)' (use pending, sending, failed or sent)")
                throw ExitCode(2)
            }
            let store = try Outbox.open(common.db)
            let rows = try await store.outboxRows(status: status, now: Date())
            if json {
                let e = JSONEncoder()
                e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                ConsoleOutput.write(String(decoding: try e.encode(rows), as: UTF8.self))
                return
            }
            if rows.isEmpty {
                ConsoleOutput.write("outbox: nothing \(status ?? "queued")")
                return
            }
            for r in rows {
                let error = r.lastError.map { "  \($0.prefix(120))" } ?? ""
                ConsoleOutput.write(
                    "\(r.id)\t\(r.status)\t\(r.destination)\t\(r.kind)\t\(r.attempts) attempts\t\(r.ageSeconds)s old"
                        + "\(r.incidentID.map { "\t\($0)" } ?? "")\(error)"
                )
            }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Requeue rows (by id, or every failed row), due now.")
        @OptionGroup var common: CommonOptions
        @Flag(help: "Every failed row.") var failed = false
        @Argument(help: "Row ids.") var ids: [Int64] = []

        func run() async throws {
            guard failed != !ids.isEmpty else {
                ConsoleOutput.error("incident-bridge outbox retry: give row ids or --failed")
                throw ExitCode(2)
            }
            let n = try await Outbox.open(common.db).requeue(ids: failed ? nil : ids, now: Date())
            ConsoleOutput.write("outbox: \(n) row(s) requeued")
        }
    }

    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove unsent rows; the incident's timeline records who dropped what."
        )
        @OptionGroup var common: CommonOptions
        @Option(help: "Who drops them (recorded in the timeline).") var by: String = "operator"
        @Argument(help: "Row ids.") var ids: [Int64]

        func run() async throws {
            let dropped = try await Outbox.open(common.db).drop(ids: ids, by: by, now: Date())
            let missing = Set(ids).subtracting(dropped.map(\.id))
            ConsoleOutput.write("outbox: \(dropped.count) row(s) dropped")
            if !missing.isEmpty {
                ConsoleOutput.error(
                    "incident-bridge outbox drop: not dropped (unknown, sent or being sent): "
                        + missing.sorted().map(String.init).joined(separator: ", ")
                )
                throw ExitCode(1)
            }
        }
    }

    /// The database, which must exist (an operator command never creates one).
    static func open(_ path: String) throws -> SQLiteStore {
        if StorageOpener.isPostgres(path) {
            ConsoleOutput.error("incident-bridge outbox: works on a SQLite file; on PostgreSQL use psql on the outbox table (README, Running two instances)")
            throw ExitCode(2)
        }
        guard FileManager.default.fileExists(atPath: path) else {
            ConsoleOutput.error("incident-bridge outbox: no database at \(path) (use --db)")
            throw ExitCode(1)
        }
        return try SQLiteStore(path: path)
    }
}
