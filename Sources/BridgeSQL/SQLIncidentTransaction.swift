import BridgeCore
import Foundation

/// The incident store's reads and writes, written once for both databases: incidents, timeline, timers, drills,
/// changes, on-call overrides, alert fingerprints and inbound delivery ids. What differs is asked of the
/// executor's dialect.
public struct SQLIncidentTransaction<E: SQLExecutor>: IncidentTransaction {
    let db: E
    /// Inside a write transaction, rows read are locked (PostgreSQL): incidents `FOR UPDATE` (the command writes
    /// the whole record back, so two instances changing one incident take turns), due timers `SKIP LOCKED`
    /// (another instance's scheduler passes over them instead of waiting).
    let writing: Bool

    public init(_ db: E, writing: Bool) {
        self.db = db
        self.writing = writing
    }

    var dialect: SQLDialect { db.dialect }
    var lock: String { dialect.forUpdate(writing) }

    func incidents(_ sql: String, _ binds: [SQLValue] = []) throws -> [Incident] {
        try db.rows(sql, binds).map { try RecordCoding.records.incident($0.requiredString("record")) }
    }

    static var openStates: String { "state IN ('declared','acknowledged','mitigated')" }

    public func incident(_ id: IncidentID) throws -> Incident? {
        try incidents("SELECT record FROM incidents WHERE id = ?" + lock, [.text(id.rawValue)]).first
    }

    public func openIncidents() throws -> [Incident] {
        // Sorted here: an ORDER BY would build a temporary sorter on every command in SQLite (there are few open
        // ones); rows locked are locked in id order, the same order in every transaction.
        let locking = lock.isEmpty ? "" : " ORDER BY id" + lock
        return try incidents("SELECT record FROM incidents WHERE \(Self.openStates)" + locking)
            .sorted { ($0.declaredAt, $0.id.rawValue) < ($1.declaredAt, $1.id.rawValue) }
    }

    public func incidents(declaredSince since: Date) throws -> [Incident] {
        try incidents(
            "SELECT record FROM incidents WHERE declared_at >= ? ORDER BY declared_at DESC, id DESC",
            [.time(since)]
        )
    }

    public func incidentTimes(declaredSince since: Date) throws -> [IncidentTimes] {
        // The moments come out of the record in the database's JSON parser; decoding 10k whole records was most
        // of `kpi`'s time.
        let d = dialect
        return try db.rows(
            """
            SELECT severity, state, declared_at,
                   \(d.jsonNumber("record", "acknowledgedAt")) AS ack,
                   \(d.jsonNumber("record", "firstResponseAt")) AS first,
                   \(d.jsonNumber("record", "mitigatedAt")) AS mitigated,
                   \(d.jsonNumber("record", "resolvedAt")) AS resolved
            FROM incidents WHERE declared_at >= ? ORDER BY declared_at DESC, id DESC
            """,
            [.time(since)]
        ).map { r in
            let state = try r.requiredString("state")
            guard let s = IncidentState(rawValue: state) else {
                throw StoreError.corrupt("state", "'\(state)' is not a known incident state")
            }
            return IncidentTimes(
                severity: try r.requiredString("severity"),
                state: s,
                declaredAt: try r.requiredDate("declared_at"),
                acknowledgedAt: r.date("ack"),
                firstResponseAt: r.date("first"),
                mitigatedAt: r.date("mitigated"),
                resolvedAt: r.date("resolved")
            )
        }
    }

    public func closedIncidents(declaredSince since: Date, limit: Int) throws -> [Incident] {
        // Walks the declared_at index from the newest and decodes only the rows it returns.
        try incidents(
            """
            SELECT record FROM incidents WHERE declared_at >= ? AND state IN ('resolved','closed')
            ORDER BY declared_at DESC, id DESC LIMIT ?
            """,
            [.time(since), .integer(limit)]
        )
    }

    public func openIncident(alertGroupKey key: String) throws -> Incident? {
        // Two instances receiving the first notification of a group at once: the second waits here for the
        // first to commit its incident, then finds it (instead of failing on the unique index).
        if writing && dialect == .postgres {
            try db.execute("SELECT pg_advisory_xact_lock(1, hashtext('alert-group:' || ?))", [.text(key)])
        }
        return try incidents(
            "SELECT record FROM incidents WHERE alert_group_key = ? AND \(Self.openStates)" + lock,
            [.text(key)]
        ).first
    }

    public func knownAlerts(_ id: IncidentID, among fingerprints: [String]) throws -> Set<String> {
        guard !fingerprints.isEmpty else { return [] }
        let marks = Array(repeating: "?", count: fingerprints.count).joined(separator: ",")
        return Set(
            try db.rows(
                "SELECT fingerprint FROM alert_fingerprints WHERE incident_id = ? AND fingerprint IN (\(marks))",
                [.text(id.rawValue)] + fingerprints.map { .text($0) }
            ).map { try $0.requiredString("fingerprint") }
        )
    }

    public func rememberAlerts(_ id: IncidentID, _ fingerprints: [String]) throws {
        for f in fingerprints {
            try db.execute(
                "INSERT INTO alert_fingerprints (incident_id, fingerprint) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [.text(id.rawValue), .text(f)]
            )
        }
    }

    static var timelineColumns: String { "SELECT id, at, actor, kind, text FROM timeline WHERE incident_id = ?" }

    func entries(_ id: IncidentID, _ sql: String, _ binds: [SQLValue]) throws -> [TimelineEntry] {
        try db.rows(sql, binds).map { try Self.entry($0, id) }
    }

    static func entry(_ r: some SQLRow, _ id: IncidentID) throws -> TimelineEntry {
        TimelineEntry(
            id: try r.requiredInt64("id"),
            incidentID: id,
            at: try r.requiredDate("at"),
            actor: try r.requiredString("actor"),
            kind: TimelineKind(rawValue: try r.requiredString("kind")) ?? .note,
            text: try r.requiredString("text")
        )
    }

    public func timeline(_ id: IncidentID) throws -> [TimelineEntry] {
        try entries(id, Self.timelineColumns + " ORDER BY id", [.text(id.rawValue)])
    }

    public func timeline(_ id: IncidentID, after afterID: Int64, limit: Int) throws -> [TimelineEntry] {
        try entries(
            id,
            Self.timelineColumns + " AND id > ? ORDER BY id LIMIT ?",
            [.text(id.rawValue), .int(afterID), .integer(limit)]
        )
    }

    public func timeline(_ id: IncidentID, latest limit: Int) throws -> (entries: [TimelineEntry], total: Int) {
        let total = try db.first("SELECT COUNT(*) AS n FROM timeline WHERE incident_id = ?", [.text(id.rawValue)])?
            .requiredInt("n") ?? 0
        let newest = try entries(
            id,
            Self.timelineColumns + " ORDER BY id DESC LIMIT ?",
            [.text(id.rawValue), .integer(limit)]
        )
        return (newest.reversed(), total)
    }

    static func timer(_ r: any SQLRow) throws -> IncidentTimer {
        var t = IncidentTimer(
            id: try r.requiredInt64("id"),
            incidentID: IncidentID(rawValue: try r.requiredString("incident_id")),
            kind: TimerKind(rawValue: try r.requiredString("kind")) ?? .escalation,
            step: r.int("step"),
            round: r.int("round"),
            clock: r.string("clock").flatMap(SLAClock.init(rawValue:)),
            fraction: r.double("fraction"),
            dueAt: try r.requiredDate("due_at")
        )
        t.firedAt = r.date("fired_at")
        t.cancelledAt = r.date("cancelled_at")
        return t
    }

    static var pending: String { "fired_at IS NULL AND cancelled_at IS NULL" }

    public func pendingTimers(_ id: IncidentID) throws -> [IncidentTimer] {
        try db.rows(
            "SELECT * FROM timers WHERE incident_id = ? AND \(Self.pending) ORDER BY due_at, id",
            [.text(id.rawValue)]
        ).map(Self.timer)
    }

    public func dueTimers(now: Date, limit: Int) throws -> [IncidentTimer] {
        try db.rows(
            "SELECT * FROM timers WHERE \(Self.pending) AND due_at <= ? ORDER BY due_at, id LIMIT ?"
                + dialect.skipLocked(writing),
            [.time(now), .integer(limit)]
        ).map(Self.timer)
    }

    public func nextTimerDue() throws -> Date? {
        try db.first("SELECT MIN(due_at) AS due FROM timers WHERE \(Self.pending)")?.date("due")
    }

    public func markFired(_ timerID: Int64, at: Date) throws -> Bool {
        try db.execute(
            "UPDATE timers SET fired_at = ? WHERE id = ? AND \(Self.pending)",
            [.time(at), .int(timerID)]
        ) == 1
    }

    public func drills() throws -> [DrillRecord] {
        try db.rows("SELECT * FROM drills ORDER BY id").map { r in
            DrillRecord(
                kind: try r.requiredString("kind"),
                result: try r.requiredString("result"),
                minutes: r.int("minutes"),
                at: try r.requiredDate("at"),
                actor: try r.requiredString("actor")
            )
        }
    }

    public func changes(since: Date) throws -> [ChangeRecord] {
        try db.rows("SELECT * FROM changes WHERE at >= ? ORDER BY id", [.time(since)]).map { r in
            ChangeRecord(
                name: try r.requiredString("name"),
                success: try r.requiredInt("success") == 1,
                at: try r.requiredDate("at"),
                actor: try r.requiredString("actor")
            )
        }
    }

    /// SQLite has one writer: the day's highest number plus one. PostgreSQL takes the day's counter row with a
    /// row lock until this transaction ends: two instances declaring at once get consecutive numbers.
    public func nextIncidentSequence(day: String) throws -> Int {
        switch dialect {
        case .sqlite:
            return (try db.first("SELECT MAX(seq) AS n FROM incidents WHERE day = ?", [.text(day)])?.int("n") ?? 0) + 1
        case .postgres:
            let row = try db.first(
                """
                INSERT INTO incident_sequences (day, last)
                VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM incidents WHERE day = ?))
                ON CONFLICT (day) DO UPDATE SET last = GREATEST(incident_sequences.last + 1,
                    (SELECT COALESCE(MAX(seq), 0) + 1 FROM incidents WHERE day = ?))
                RETURNING last
                """,
                [.text(day), .text(day), .text(day)]
            )
            guard let row else { throw StoreError.corrupt("incident_sequences.last", "was not returned") }
            return try row.requiredInt("last")
        }
    }

    public func insert(_ incident: Incident) throws {
        let parts = incident.id.rawValue.split(separator: "-")
        guard parts.count == 3, let seq = Int(parts[2]) else {
            throw StoreError(.conflict, "malformed incident id \(incident.id)")
        }
        try db.execute(
            """
            INSERT INTO incidents (id, day, seq, state, severity, event_type, declared_at, origin_platform,
                                   origin_channel, alert_group_key, record)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(incident.id.rawValue), .text(String(parts[1])), .integer(seq), .text(incident.state.rawValue),
                .text(incident.severity), .text(incident.eventType), .time(incident.declaredAt),
                .text(incident.origin.platform), .text(incident.origin.channel), .opt(incident.alertGroupKey),
                .text(try RecordCoding.encode(incident)),
            ]
        )
    }

    public func update(_ incident: Incident) throws {
        let n = try db.execute(
            "UPDATE incidents SET state = ?, severity = ?, alert_group_key = ?, record = ? WHERE id = ?",
            [
                .text(incident.state.rawValue), .text(incident.severity), .opt(incident.alertGroupKey),
                .text(try RecordCoding.encode(incident)), .text(incident.id.rawValue),
            ]
        )
        guard n == 1 else { throw StoreError(.notFound, "no incident \(incident.id)") }
    }

    public func append(_ entry: TimelineEntry) throws {
        try db.execute(
            "INSERT INTO timeline (incident_id, at, actor, kind, text) VALUES (?, ?, ?, ?, ?)",
            [
                .text(entry.incidentID.rawValue), .time(entry.at), .text(entry.actor), .text(entry.kind.rawValue),
                .text(entry.text),
            ]
        )
    }

    public func schedule(_ timer: IncidentTimer, at now: Date) throws {
        try db.execute(
            """
            INSERT INTO timers (incident_id, kind, step, round, clock, fraction, due_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(timer.incidentID.rawValue), .text(timer.kind.rawValue), .opt(timer.step), .opt(timer.round),
                .opt(timer.clock?.rawValue), .opt(timer.fraction), .time(timer.dueAt), .time(now),
            ]
        )
    }

    public func cancelTimers(_ id: IncidentID, _ which: TimerCancellation, at: Date) throws {
        var sql = "UPDATE timers SET cancelled_at = ? WHERE incident_id = ? AND \(Self.pending)"
        var binds: [SQLValue] = [.time(at), .text(id.rawValue)]
        switch which {
        case .all: break
        case .escalation: sql += " AND kind = 'escalation'"
        case .updateReminder: sql += " AND kind = 'update_reminder'"
        case .clock(let c):
            sql += " AND kind IN ('sla_warning','sla_breach') AND clock = ?"
            binds.append(.text(c.rawValue))
        }
        try db.execute(sql, binds)
    }

    /// The id of the row an `INSERT ... RETURNING id` made.
    func insertedID(_ sql: String, _ binds: [SQLValue]) throws -> Int64 {
        guard let row = try db.first(sql + " RETURNING id", binds) else {
            throw StoreError.corrupt("id", "was not returned by an insert")
        }
        return try row.requiredInt64("id")
    }

    public func enqueue(_ message: OutboxMessage) throws -> Int64 {
        try insertedID(
            """
            INSERT INTO outbox (incident_id, platform, channel, kind, text, mentions, status, attempts, created_at,
                                next_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)
            """,
            [
                .opt(message.incidentID?.rawValue), .text(message.destination.platform),
                .text(message.destination.channel), .text(message.kind), .text(message.text),
                .text(message.mentions.isEmpty ? "[]" : try RecordCoding.encode(message.mentions)),
                .time(message.createdAt), .time(message.nextAttemptAt),
            ]
        )
    }

    public func recordInbound(key: String, at: Date) throws -> Bool {
        try db.execute(
            "INSERT INTO inbound_requests (key, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [.text(key), .time(at)]
        ) == 1
    }

    public func record(_ drill: DrillRecord) throws {
        try db.execute(
            "INSERT INTO drills (kind, result, minutes, at, actor) VALUES (?, ?, ?, ?, ?)",
            [.text(drill.kind), .text(drill.result), .opt(drill.minutes), .time(drill.at), .text(drill.actor)]
        )
    }

    public func record(_ change: ChangeRecord) throws {
        try db.execute(
            "INSERT INTO changes (name, success, at, actor) VALUES (?, ?, ?, ?)",
            [.text(change.name), .flag(change.success), .time(change.at), .text(change.actor)]
        )
    }

    public func onCallOverrides(endingAfter after: Date) throws -> [OnCallOverride] {
        try db.rows(
            "SELECT * FROM oncall_overrides WHERE cancelled_at IS NULL AND until_at > ? ORDER BY created_at, id",
            [.time(after)]
        ).map { r in
            OnCallOverride(
                id: try r.requiredInt64("id"),
                schedule: try r.requiredString("schedule"),
                person: try r.requiredString("person"),
                from: try r.requiredDate("from_at"),
                until: try r.requiredDate("until_at"),
                reason: r.string("reason"),
                createdBy: try r.requiredString("created_by"),
                createdAt: try r.requiredDate("created_at")
            )
        }
    }

    public func insert(_ o: OnCallOverride) throws -> Int64 {
        try insertedID(
            """
            INSERT INTO oncall_overrides (schedule, person, from_at, until_at, reason, created_by, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(o.schedule), .text(o.person), .time(o.from), .time(o.until), .opt(o.reason),
                .text(o.createdBy), .time(o.createdAt),
            ]
        )
    }

    public func cancelOverride(_ id: Int64, at: Date, by actor: String) throws -> Bool {
        try db.execute(
            "UPDATE oncall_overrides SET cancelled_at = ?, cancelled_by = ? WHERE id = ? AND cancelled_at IS NULL",
            [.time(at), .text(actor), .int(id)]
        ) > 0
    }
}
