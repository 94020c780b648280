import GRDB

/// Schema migrations as literal SQL. Never edit a shipped migration: add a new one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-incidents") { db in
            try db.execute(
                sql: """
                    CREATE TABLE incidents (
                        id TEXT PRIMARY KEY NOT NULL,
                        day TEXT NOT NULL,
                        seq INTEGER NOT NULL CHECK (seq > 0),
                        state TEXT NOT NULL CHECK (state IN ('declared','acknowledged','mitigated','resolved','closed')),
                        severity TEXT NOT NULL,
                        event_type TEXT NOT NULL,
                        declared_at REAL NOT NULL,
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

                    CREATE TABLE timeline (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        incident_id TEXT NOT NULL REFERENCES incidents(id),
                        at REAL NOT NULL,
                        actor TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        text TEXT NOT NULL
                    );
                    CREATE INDEX timeline_incident ON timeline(incident_id, id);

                    CREATE TABLE timers (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        incident_id TEXT NOT NULL REFERENCES incidents(id),
                        kind TEXT NOT NULL CHECK (kind IN ('escalation','sla_warning','sla_breach','update_reminder')),
                        step INTEGER,
                        round INTEGER,
                        clock TEXT,
                        fraction REAL,
                        due_at REAL NOT NULL,
                        fired_at REAL,
                        cancelled_at REAL,
                        created_at REAL NOT NULL
                    );
                    CREATE INDEX timers_due ON timers(due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
                    CREATE INDEX timers_incident ON timers(incident_id);

                    CREATE TABLE outbox (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        incident_id TEXT,
                        platform TEXT NOT NULL,
                        channel TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        text TEXT NOT NULL,
                        mentions TEXT NOT NULL DEFAULT '[]',
                        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','sending','sent','failed')),
                        attempts INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL,
                        next_attempt_at REAL NOT NULL,
                        last_error TEXT,
                        sent_at REAL
                    );
                    CREATE INDEX outbox_pending ON outbox(platform, channel, id) WHERE status IN ('pending','sending');

                    CREATE TABLE inbound_requests (
                        key TEXT PRIMARY KEY NOT NULL,
                        received_at REAL NOT NULL
                    );

                    CREATE TABLE drills (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        kind TEXT NOT NULL,
                        result TEXT NOT NULL,
                        minutes INTEGER,
                        at REAL NOT NULL,
                        actor TEXT NOT NULL
                    );

                    CREATE TABLE changes (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        name TEXT NOT NULL,
                        success INTEGER NOT NULL CHECK (success IN (0,1)),
                        at REAL NOT NULL,
                        actor TEXT NOT NULL
                    );

                    CREATE TABLE kv (
                        key TEXT PRIMARY KEY NOT NULL,
                        value TEXT NOT NULL
                    );
                    """
            )
        }
        m.registerMigration("v2-oncall-overrides") { db in
            try db.execute(
                sql: """
                    CREATE TABLE oncall_overrides (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        schedule TEXT NOT NULL,
                        person TEXT NOT NULL,
                        from_at REAL NOT NULL,
                        until_at REAL NOT NULL CHECK (until_at > from_at),
                        reason TEXT,
                        created_by TEXT NOT NULL,
                        created_at REAL NOT NULL,
                        cancelled_at REAL,
                        cancelled_by TEXT
                    );
                    CREATE INDEX oncall_overrides_until ON oncall_overrides(until_at) WHERE cancelled_at IS NULL;
                    """
            )
        }
        m.registerMigration("v3-alert-fingerprints") { db in
            // The alerts an alert-born incident has named, so a repeated notification finds the new ones with an
            // index lookup instead of reading the whole timeline (an alert storm writes 100k entries).
            try db.execute(
                sql: """
                    CREATE TABLE alert_fingerprints (
                        incident_id TEXT NOT NULL,
                        fingerprint TEXT NOT NULL,
                        PRIMARY KEY (incident_id, fingerprint)
                    ) WITHOUT ROWID;
                    """
            )
            // Open alert-born incidents of an older version: their alert entries end in `[fingerprint, ...]`.
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT t.incident_id, t.text FROM timeline t JOIN incidents i ON i.id = t.incident_id
                    WHERE i.alert_group_key IS NOT NULL AND t.kind = 'alert'
                      AND i.state IN ('declared','acknowledged','mitigated')
                    """
            )
            for row in rows {
                let id: String = row[0]
                let text: String = row[1]
                for fingerprint in AlertFingerprints.bracketed(in: text) {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO alert_fingerprints (incident_id, fingerprint) VALUES (?, ?)",
                        arguments: [id, fingerprint]
                    )
                }
            }
        }
        m.registerMigration("v4-inbound-attempts") { db in
            // Inbound events being acted on, written before acting: a delivery that killed the process is skipped
            // when it comes again (poison events), instead of crash-looping every instance.
            try db.execute(
                sql: """
                    CREATE TABLE inbound_attempts (
                        key TEXT PRIMARY KEY NOT NULL,
                        owner TEXT NOT NULL,
                        state TEXT NOT NULL CHECK (state IN ('acting','retrying','done','skipped')),
                        attempts INTEGER NOT NULL,
                        started_at REAL NOT NULL
                    ) WITHOUT ROWID;
                    CREATE INDEX inbound_attempts_started ON inbound_attempts(started_at);
                    ALTER TABLE outbox ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0;
                    """
            )
        }
        return m
    }
}

/// Reading fingerprints back out of an alert entry's text (the migration of incidents opened before v3).
enum AlertFingerprints {
    /// The comma-separated words of every `[...]` group in `text`.
    static func bracketed(in text: String) -> [String] {
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
