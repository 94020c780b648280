import BridgeSQL
import GRDB

/// The shared schema steps (`Schema.migrations`) as GRDB migrations, under the identifiers they shipped with.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        for step in Schema.migrations {
            m.registerMigration(step.identifier) { db in
                try db.execute(sql: step.sql(.sqlite))
                try step.moveData(GRDBExecutor(db: db))
            }
        }
        return m
    }
}
