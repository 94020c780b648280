import BridgeCore
import BridgeSQL
import Foundation
import PostgresNIO

/// The shared schema steps (`Schema.migrations`) rendered for PostgreSQL, recorded by identifier in
/// `schema_migrations`. Applied under an advisory lock, so instances starting together migrate once.
enum PostgresMigrations {
    static func migrate(_ c: PGConnection) throws {
        try c.run("BEGIN")
        do {
            try c.run("SELECT pg_advisory_xact_lock(hashtext('incident-bridge migrations'))")
            try c.run("CREATE TABLE IF NOT EXISTS schema_migrations (identifier TEXT PRIMARY KEY NOT NULL)")
            let applied = Set(try c.query("SELECT identifier FROM schema_migrations").compactMap { $0.string("identifier") })
            let unknown = applied.subtracting(Schema.migrations.map(\.identifier))
            if !unknown.isEmpty {
                throw StoreError(
                    .invalid,
                    "the database was migrated by a newer incident-bridge (\(unknown.sorted().joined(separator: ", "))): use that version"
                )
            }
            for step in Schema.migrations where !applied.contains(step.identifier) {
                try c.script(step.sql(.postgres))
                try step.moveData(PGExecutor(c: c))
                try c.run("INSERT INTO schema_migrations (identifier) VALUES ($1)", [.init(string: step.identifier)])
            }
            try c.run("COMMIT")
        } catch {
            try? c.run("ROLLBACK")
            throw error
        }
    }
}
