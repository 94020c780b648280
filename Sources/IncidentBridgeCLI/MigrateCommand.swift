import ArgumentParser
import BridgeChat
import BridgeMigrate
import Foundation

/// `incident-bridge migrate --from FILE --to postgres://...`: a SQLite history into an empty PostgreSQL database.
struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a SQLite history (incidents, timelines, timers, outbox, drills, changes, overrides, cursors) into an empty PostgreSQL database and check the counts."
    )

    @Option(name: .long, help: "The SQLite database file (it may be in use: one snapshot is copied).")
    var from: String

    @Option(name: .long, help: "postgres://user@host:5432/database (password from PGPASSWORD).")
    var to: String

    func run() async throws {
        do {
            let summary = try await SQLiteToPostgres.copy(from: from, to: to)
            let total = summary.rows.values.reduce(0, +)
            ConsoleOutput.write(
                "copied \(total) rows, counts checked: "
                    + summary.rows.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
            )
        } catch {
            ConsoleOutput.error("incident-bridge migrate: \(error)")
            throw ExitCode(1)
        }
    }
}
