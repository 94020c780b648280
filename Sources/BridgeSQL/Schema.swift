import BridgeCore
import Foundation

/// One step of the schema, rendered for each dialect. Identifiers are the ones shipped (GRDB records them in
/// `grdb_migrations`, the PostgreSQL store in `schema_migrations`); a shipped step is never edited in meaning: add
/// a new one. The SQLite text is byte for byte what earlier versions ran (SQLite keeps it in `sqlite_master`).
public struct SchemaMigration: Sendable {
    public let identifier: String
    /// The DDL of this step in `dialect`.
    public let sql: @Sendable (SQLDialect) -> String
    /// Rows this step moves after its DDL, on the dialects it shipped with.
    public let data: (@Sendable (any SQLExecutor) throws -> Void)?
    public let dataDialects: Set<SQLDialect>

    init(
        _ identifier: String,
        data: (@Sendable (any SQLExecutor) throws -> Void)? = nil,
        on dataDialects: Set<SQLDialect> = [],
        sql: @escaping @Sendable (SQLDialect) -> String
    ) {
        self.identifier = identifier
        self.sql = sql
        self.data = data
        self.dataDialects = dataDialects
    }

    /// Runs this step's data move on `db` if it shipped for its dialect.
    public func moveData(_ db: any SQLExecutor) throws {
        if let data, dataDialects.contains(db.dialect) { try data(db) }
    }
}

/// The schema of both stores: times in seconds since 1970 (`REAL` / `double precision`), the incident record as
/// JSON text, and on PostgreSQL `incident_sequences`, the per-day counter that keeps incident numbers unique
/// across instances.
public enum Schema {
    public static let migrations: [SchemaMigration] = [
        SchemaMigration("v1-incidents") { d in
            """
                    CREATE TABLE incidents (
                        id TEXT PRIMARY KEY NOT NULL,
                        day TEXT NOT NULL,
                        seq INTEGER NOT NULL CHECK (seq > 0),
                        state TEXT NOT NULL CHECK (state IN ('declared','acknowledged','mitigated','resolved','closed')),
                        severity TEXT NOT NULL,
                        event_type TEXT NOT NULL,
                        declared_at \(d.real) NOT NULL,
                        origin_platform TEXT NOT NULL,
                        origin_channel TEXT NOT NULL,
                        alert_group_key TEXT,
                        record TEXT NOT NULL,
                        UNIQUE (day, seq)
                    );
                    CREATE INDEX incidents_open ON incidents(state) WHERE state IN ('declared','acknowledged','mitigated');
                    CREATE INDEX incidents_declared ON incidents(declared_at);
                    CREATE UNIQUE INDEX incidents_open_group ON incidents(alert_group_key)
                        WHERE alert_group_key IS NOT NULL AND state IN ('declared','acknowledged','mitigated');
                    \(d == .postgres ? "CREATE TABLE incident_sequences (day TEXT PRIMARY KEY, last INTEGER NOT NULL);" : "")

                    CREATE TABLE timeline (
                        id \(d.serialKey),
                        incident_id TEXT NOT NULL REFERENCES incidents(id),
                        at \(d.real) NOT NULL,
                        actor TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        text TEXT NOT NULL
                    );
                    CREATE INDEX timeline_incident ON timeline(incident_id, id);

                    CREATE TABLE timers (
                        id \(d.serialKey),
                        incident_id TEXT NOT NULL REFERENCES incidents(id),
                        kind TEXT NOT NULL CHECK (kind IN ('escalation','sla_warning','sla_breach','update_reminder')),
                        step INTEGER,
                        round INTEGER,
                        clock TEXT,
                        fraction \(d.real),
                        due_at \(d.real) NOT NULL,
                        fired_at \(d.real),
                        cancelled_at \(d.real),
                        created_at \(d.real) NOT NULL
                    );
                    CREATE INDEX timers_due ON timers(due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
                    CREATE INDEX timers_incident ON timers(incident_id);

                    CREATE TABLE outbox (
                        id \(d.serialKey),
                        incident_id TEXT,
                        platform TEXT NOT NULL,
                        channel TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        text TEXT NOT NULL,
                        mentions TEXT NOT NULL DEFAULT '[]',
                        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sending','sent','failed')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        created_at \(d.real) NOT NULL,
                        next_attempt_at \(d.real) NOT NULL,
                        last_error TEXT,
                        sent_at \(d.real)
                    );
                    CREATE INDEX outbox_pending ON outbox(platform, channel, id) WHERE status IN ('pending','sending');

                    CREATE TABLE inbound_requests (
                        key TEXT PRIMARY KEY NOT NULL,
                        received_at \(d.real) NOT NULL
                    );

                    CREATE TABLE drills (
                        id \(d.serialKey),
                        kind TEXT NOT NULL,
                        result TEXT NOT NULL,
                        minutes INTEGER,
                        at \(d.real) NOT NULL,
                        actor TEXT NOT NULL
                    );

                    CREATE TABLE changes (
                        id \(d.serialKey),
                        name TEXT NOT NULL,
                        success INTEGER NOT NULL CHECK (success IN (0,1)),
                        at \(d.real) NOT NULL,
                        actor TEXT NOT NULL
                    );

                    CREATE TABLE kv (
                        key TEXT PRIMARY KEY NOT NULL,
                        value TEXT NOT NULL
                    );
                    """
        },
        SchemaMigration("v2-oncall-overrides") { d in
            """
                    CREATE TABLE oncall_overrides (
                        id \(d.serialKey),
                        schedule TEXT NOT NULL,
                        person TEXT NOT NULL,
                        from_at \(d.real) NOT NULL,
                        until_at \(d.real) NOT NULL CHECK (until_at > from_at),
                        reason TEXT,
                        created_by TEXT NOT NULL,
                        created_at \(d.real) NOT NULL,
                        cancelled_at \(d.real),
                        cancelled_by TEXT
                    );
                    CREATE INDEX oncall_overrides_until ON oncall_overrides(until_at) WHERE cancelled_at IS NULL;
                    """
        },
        // The alerts an alert-born incident has named, so a repeated notification finds the new ones with an
        // index lookup instead of reading the whole timeline (an alert storm writes 100k entries).
        SchemaMigration("v3-alert-fingerprints", data: { try backfillAlertFingerprints($0) }, on: [.sqlite]) { d in
            """
                    CREATE TABLE alert_fingerprints (
                        incident_id TEXT NOT NULL,
                        fingerprint TEXT NOT NULL,
                        PRIMARY KEY (incident_id, fingerprint)
                    )\(d.withoutRowID);
                    """
        },
        // Inbound events being acted on, written before acting: a delivery that killed the process is skipped
        // when it comes again (poison events), instead of crash-looping every instance.
        SchemaMigration("v4-inbound-attempts") { d in
            """
                    CREATE TABLE inbound_attempts (
                        key TEXT PRIMARY KEY NOT NULL,
                        owner TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('acting','retrying','done','skipped')),
                        attempts \(d.bigint) NOT NULL,
                        started_at \(d.real) NOT NULL
                    )\(d.withoutRowID);
                    CREATE INDEX inbound_attempts_started ON inbound_attempts(started_at);
                    ALTER TABLE outbox ADD COLUMN interrupted \(d.bigint) NOT NULL DEFAULT 0;
                    """
        },
    ]

    /// v3 on SQLite: open alert-born incidents of an older version, whose alert entries end in `[fingerprint, ...]`.
    static func backfillAlertFingerprints(_ db: any SQLExecutor) throws {
        let rows = try db.rows(
            """
            SELECT t.incident_id, t.text FROM timeline t JOIN incidents i ON i.id = t.incident_id
            WHERE i.alert_group_key IS NOT NULL AND t.kind = 'alert'
              AND i.state IN ('declared','acknowledged','mitigated')
            """
        )
        for row in rows {
            let id = try row.requiredString("incident_id")
            for fingerprint in AlertFingerprints.bracketed(in: try row.requiredString("text")) {
                try db.execute(
                    "INSERT INTO alert_fingerprints (incident_id, fingerprint) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    [.text(id), .text(fingerprint)]
                )
            }
        }
    }
}

/// Reading fingerprints back out of an alert entry's text (the migration of incidents opened before v3).
public enum AlertFingerprints {
    /// The comma-separated words of every `[...]` group in `text`.
    public static func bracketed(in text: String) -> [String] {
        var out: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "["), let close = rest[open...].firstIndex(of: "]") {
            out += rest[rest.index(after: open)..<close].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty }
            rest = rest[rest.index(after: close)...]
        }
        return out
    }
}
