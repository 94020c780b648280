import BridgeCore
import Foundation
import PostgresNIO

/// One transaction of the PostgreSQL store: the same reads and writes as SQLite's, with PostgreSQL's SQL.
struct PGTransaction: IncidentTransaction {
    let c: PGConnection
    /// Inside a write transaction, due timers are claimed (`FOR UPDATE SKIP LOCKED`): another instance's
    /// scheduler passes over them instead of waiting.
    let writing: Bool

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .secondsSince1970
        e.outputFormatting = [.sortedKeys]
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        return d
    }()
    static func encode<T: Encodable>(_ v: T) throws -> String { String(decoding: try encoder.encode(v), as: UTF8.self) }

    func incidents(_ sql: String, _ binds: [PostgresData] = []) throws -> [Incident] {
        try c.query(sql, binds).map { row in
            guard let text = row.string("record") else { throw StoreError("incident row without a record") }
            return try Self.decoder.decode(Incident.self, from: Data(text.utf8))
        }
    }

    /// In a write transaction an incident read is locked until the end (`FOR UPDATE`): the command writes the
    /// whole record back, so two instances changing one incident at once must take turns, not overwrite each other.
    var lock: String { writing ? " FOR UPDATE" : "" }

    func incident(_ id: IncidentID) throws -> Incident? {
        try incidents("SELECT record FROM incidents WHERE id = $1" + lock, [.text(id.rawValue)]).first
    }

    func openIncidents() throws -> [Incident] {
        // Locked in id order, the same order in every transaction.
        try incidents("SELECT record FROM incidents WHERE state IN ('declared','acknowledged','mitigated') ORDER BY id" + lock)
            .sorted { ($0.declaredAt, $0.id.rawValue) < ($1.declaredAt, $1.id.rawValue) }
    }

    func incidents(declaredSince since: Date) throws -> [Incident] {
        try incidents(
            "SELECT record FROM incidents WHERE declared_at >= $1 ORDER BY declared_at DESC, id DESC",
            [.time(since)]
        )
    }

    func incidentTimes(declaredSince since: Date) throws -> [IncidentTimes] {
        try c.query(
            """
            SELECT severity, state, declared_at,
                   (record::jsonb->>'acknowledgedAt')::float8 AS ack, (record::jsonb->>'firstResponseAt')::float8 AS first,
                   (record::jsonb->>'mitigatedAt')::float8 AS mitigated, (record::jsonb->>'resolvedAt')::float8 AS resolved
            FROM incidents WHERE declared_at >= $1 ORDER BY declared_at DESC, id DESC
            """,
            [.time(since)]
        ).map { r in
            guard let state = r.string("state").flatMap(IncidentState.init(rawValue:)), let declared = r.date("declared_at")
            else { throw StoreError("incident row with an unknown state") }
            return IncidentTimes(
                severity: r.string("severity") ?? "",
                state: state,
                declaredAt: declared,
                acknowledgedAt: r.date("ack"),
                firstResponseAt: r.date("first"),
                mitigatedAt: r.date("mitigated"),
                resolvedAt: r.date("resolved")
            )
        }
    }

    func closedIncidents(declaredSince since: Date, limit: Int) throws -> [Incident] {
        try incidents(
            """
            SELECT record FROM incidents WHERE declared_at >= $1 AND state IN ('resolved','closed')
            ORDER BY declared_at DESC, id DESC LIMIT $2
            """,
            [.time(since), .int(limit)]
        )
    }

    func openIncident(alertGroupKey key: String) throws -> Incident? {
        // Two instances receiving the first notification of a group at once: the second waits here for the
        // first to commit its incident, then finds it (instead of failing on the unique index).
        if writing { try c.run("SELECT pg_advisory_xact_lock(1, hashtext('alert-group:' || $1))", [.text(key)]) }
        return try incidents(
            "SELECT record FROM incidents WHERE alert_group_key = $1 AND state IN ('declared','acknowledged','mitigated')" + lock,
            [.text(key)]
        ).first
    }

    func knownAlerts(_ id: IncidentID, among fingerprints: [String]) throws -> Set<String> {
        guard !fingerprints.isEmpty else { return [] }
        let marks = (0..<fingerprints.count).map { "$\($0 + 2)" }.joined(separator: ",")
        return Set(
            try c.query(
                "SELECT fingerprint FROM alert_fingerprints WHERE incident_id = $1 AND fingerprint IN (\(marks))",
                [.text(id.rawValue)] + fingerprints.map { .text($0) }
            ).compactMap { $0.string("fingerprint") }
        )
    }

    func rememberAlerts(_ id: IncidentID, _ fingerprints: [String]) throws {
        for f in fingerprints {
            try c.run(
                "INSERT INTO alert_fingerprints (incident_id, fingerprint) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                [.text(id.rawValue), .text(f)]
            )
        }
    }

    func entries(_ id: IncidentID, _ sql: String, _ binds: [PostgresData]) throws -> [TimelineEntry] {
        try c.query(sql, binds).map { r in
            TimelineEntry(
                id: r.int64("id"),
                incidentID: id,
                at: r.date("at") ?? .distantPast,
                actor: r.string("actor") ?? "",
                kind: r.string("kind").flatMap(TimelineKind.init(rawValue:)) ?? .note,
                text: r.string("text") ?? ""
            )
        }
    }

    func timeline(_ id: IncidentID) throws -> [TimelineEntry] {
        try entries(id, "SELECT id, at, actor, kind, text FROM timeline WHERE incident_id = $1 ORDER BY id", [.text(id.rawValue)])
    }

    func timeline(_ id: IncidentID, after afterID: Int64, limit: Int) throws -> [TimelineEntry] {
        try entries(
            id,
            "SELECT id, at, actor, kind, text FROM timeline WHERE incident_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            [.text(id.rawValue), .init(int64: afterID), .int(limit)]
        )
    }

    func timeline(_ id: IncidentID, latest limit: Int) throws -> (entries: [TimelineEntry], total: Int) {
        let total = try c.query("SELECT COUNT(*) AS n FROM timeline WHERE incident_id = $1", [.text(id.rawValue)])
            .first?.int("n") ?? 0
        let newest = try entries(
            id,
            "SELECT id, at, actor, kind, text FROM timeline WHERE incident_id = $1 ORDER BY id DESC LIMIT $2",
            [.text(id.rawValue), .int(limit)]
        )
        return (newest.reversed(), total)
    }

    static func timer(_ r: PGConnection.Row) -> IncidentTimer {
        var t = IncidentTimer(
            id: r.int64("id"),
            incidentID: IncidentID(r.string("incident_id") ?? ""),
            kind: r.string("kind").flatMap(TimerKind.init(rawValue:)) ?? .escalation,
            step: r.int("step"),
            round: r.int("round"),
            clock: r.string("clock").flatMap(SLAClock.init(rawValue:)),
            fraction: r.double("fraction"),
            dueAt: r.date("due_at") ?? .distantPast
        )
        t.firedAt = r.date("fired_at")
        t.cancelledAt = r.date("cancelled_at")
        return t
    }

    func pendingTimers(_ id: IncidentID) throws -> [IncidentTimer] {
        try c.query(
            "SELECT * FROM timers WHERE incident_id = $1 AND fired_at IS NULL AND cancelled_at IS NULL ORDER BY due_at, id",
            [.text(id.rawValue)]
        ).map(Self.timer)
    }

    func dueTimers(now: Date, limit: Int) throws -> [IncidentTimer] {
        try c.query(
            """
            SELECT * FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= $1 ORDER BY due_at, id LIMIT $2
            \(writing ? "FOR UPDATE SKIP LOCKED" : "")
            """,
            [.time(now), .int(limit)]
        ).map(Self.timer)
    }

    func nextTimerDue() throws -> Date? {
        try c.query("SELECT MIN(due_at) AS due FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL").first?.date("due")
    }

    func markFired(_ timerID: Int64, at: Date) throws -> Bool {
        try c.affected(
            "UPDATE timers SET fired_at = $1 WHERE id = $2 AND fired_at IS NULL AND cancelled_at IS NULL",
            [.time(at), .init(int64: timerID)]
        ) == 1
    }

    func drills() throws -> [DrillRecord] {
        try c.query("SELECT * FROM drills ORDER BY id").map { r in
            DrillRecord(
                kind: r.string("kind") ?? "",
                result: r.string("result") ?? "",
                minutes: r.int("minutes"),
                at: r.date("at") ?? .distantPast,
                actor: r.string("actor") ?? ""
            )
        }
    }

    func changes(since: Date) throws -> [ChangeRecord] {
        try c.query("SELECT * FROM changes WHERE at >= $1 ORDER BY id", [.time(since)]).map { r in
            ChangeRecord(
                name: r.string("name") ?? "",
                success: r.int("success") == 1,
                at: r.date("at") ?? .distantPast,
                actor: r.string("actor") ?? ""
            )
        }
    }

    /// The day's counter row, taken with a row lock until this transaction ends: two instances declaring at once
    /// get consecutive numbers, never the same one.
    func nextIncidentSequence(day: String) throws -> Int {
        try c.query(
            """
            INSERT INTO incident_sequences (day, last)
            VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM incidents WHERE day = $1))
            ON CONFLICT (day) DO UPDATE SET last = GREATEST(incident_sequences.last + 1,
                (SELECT COALESCE(MAX(seq), 0) + 1 FROM incidents WHERE day = $1))
            RETURNING last
            """,
            [.text(day)]
        ).first?.int("last") ?? 1
    }

    func insert(_ incident: Incident) throws {
        let parts = incident.id.rawValue.split(separator: "-")
        guard parts.count == 3, let seq = Int(parts[2]) else { throw StoreError("malformed incident id \(incident.id)") }
        try c.run(
            """
            INSERT INTO incidents (id, day, seq, state, severity, event_type, declared_at, origin_platform, origin_channel,
                                   alert_group_key, record)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            """,
            [
                .text(incident.id.rawValue), .text(String(parts[1])), .int(seq),
                .text(incident.state.rawValue), .text(incident.severity),
                .text(incident.eventType), .time(incident.declaredAt), .text(incident.origin.platform),
                .text(incident.origin.channel), .opt(incident.alertGroupKey),
                .text(try Self.encode(incident)),
            ]
        )
    }

    func update(_ incident: Incident) throws {
        let n = try c.affected(
            "UPDATE incidents SET state = $1, severity = $2, alert_group_key = $3, record = $4 WHERE id = $5",
            [
                .text(incident.state.rawValue), .text(incident.severity), .opt(incident.alertGroupKey),
                .text(try Self.encode(incident)), .text(incident.id.rawValue),
            ]
        )
        guard n == 1 else { throw StoreError("no incident \(incident.id)") }
    }

    func append(_ entry: TimelineEntry) throws {
        try c.run(
            "INSERT INTO timeline (incident_id, at, actor, kind, text) VALUES ($1, $2, $3, $4, $5)",
            [
                .text(entry.incidentID.rawValue), .time(entry.at), .text(entry.actor),
                .text(entry.kind.rawValue), .text(entry.text),
            ]
        )
    }

    func schedule(_ timer: IncidentTimer) throws {
        try c.run(
            """
            INSERT INTO timers (incident_id, kind, step, round, clock, fraction, due_at, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """,
            [
                .text(timer.incidentID.rawValue), .text(timer.kind.rawValue), .opt(timer.step),
                .opt(timer.round), .opt(timer.clock?.rawValue), .opt(timer.fraction), .time(timer.dueAt), .time(Date()),
            ]
        )
    }

    func cancelTimers(_ id: IncidentID, _ which: TimerCancellation, at: Date) throws {
        var sql = "UPDATE timers SET cancelled_at = $1 WHERE incident_id = $2 AND fired_at IS NULL AND cancelled_at IS NULL"
        var binds: [PostgresData] = [.time(at), .text(id.rawValue)]
        switch which {
        case .all: break
        case .escalation: sql += " AND kind = 'escalation'"
        case .updateReminder: sql += " AND kind = 'update_reminder'"
        case .clock(let clock):
            sql += " AND kind IN ('sla_warning','sla_breach') AND clock = $3"
            binds.append(.text(clock.rawValue))
        }
        try c.run(sql, binds)
    }

    func enqueue(_ message: OutboxMessage) throws -> Int64 {
        try c.query(
            """
            INSERT INTO outbox (incident_id, platform, channel, kind, text, mentions, status, attempts, created_at,
                                next_attempt_at)
            VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $8) RETURNING id
            """,
            [
                .opt(message.incidentID?.rawValue), .text(message.destination.platform),
                .text(message.destination.channel), .text(message.kind), .text(message.text),
                .text(message.mentions.isEmpty ? "[]" : try Self.encode(message.mentions)),
                .time(message.createdAt), .time(message.nextAttemptAt),
            ]
        ).first?.int64("id") ?? 0
    }

    func recordInbound(key: String, at: Date) throws -> Bool {
        try c.affected(
            "INSERT INTO inbound_requests (key, received_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            [.text(key), .time(at)]
        ) == 1
    }

    func record(_ drill: DrillRecord) throws {
        try c.run(
            "INSERT INTO drills (kind, result, minutes, at, actor) VALUES ($1, $2, $3, $4, $5)",
            [.text(drill.kind), .text(drill.result), .opt(drill.minutes), .time(drill.at), .text(drill.actor)]
        )
    }

    func record(_ change: ChangeRecord) throws {
        try c.run(
            "INSERT INTO changes (name, success, at, actor) VALUES ($1, $2, $3, $4)",
            [.text(change.name), .int(change.success ? 1 : 0), .time(change.at), .text(change.actor)]
        )
    }

    func onCallOverrides(endingAfter after: Date) throws -> [OnCallOverride] {
        try c.query(
            "SELECT * FROM oncall_overrides WHERE cancelled_at IS NULL AND until_at > $1 ORDER BY created_at, id",
            [.time(after)]
        ).map { r in
            OnCallOverride(
                id: r.int64("id"),
                schedule: r.string("schedule") ?? "",
                person: r.string("person") ?? "",
                from: r.date("from_at") ?? .distantPast,
                until: r.date("until_at") ?? .distantPast,
                reason: r.string("reason"),
                createdBy: r.string("created_by") ?? "",
                createdAt: r.date("created_at") ?? .distantPast
            )
        }
    }

    func insert(_ o: OnCallOverride) throws -> Int64 {
        try c.query(
            """
            INSERT INTO oncall_overrides (schedule, person, from_at, until_at, reason, created_by, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
            """,
            [
                .text(o.schedule), .text(o.person), .time(o.from), .time(o.until), .opt(o.reason),
                .text(o.createdBy), .time(o.createdAt),
            ]
        ).first?.int64("id") ?? 0
    }

    func cancelOverride(_ id: Int64, at: Date, by actor: String) throws -> Bool {
        try c.affected(
            "UPDATE oncall_overrides SET cancelled_at = $1, cancelled_by = $2 WHERE id = $3 AND cancelled_at IS NULL",
            [.time(at), .text(actor), .init(int64: id)]
        ) > 0
    }
}
