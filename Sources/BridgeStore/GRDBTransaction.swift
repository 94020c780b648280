import BridgeCore
import Foundation
import GRDB

/// Decoded incident records by their stored JSON text, so reading an unchanged record (notes, repeated alerts of a
/// group) skips `JSONDecoder`; it pays on the note and alert-storm paths (see BENCHMARKS.md: "Hand-written code against the library it replaces").
final class RecordCache: @unchecked Sendable {
    private let lock = NSLock()
    private var byText: [String: Incident] = [:]
    private let limit = 1024

    func incident(_ text: String) throws -> Incident {
        if let hit = lock.withLock({ byText[text] }) { return hit }
        let decoded = try GRDBTransaction.decode(Incident.self, text)
        lock.withLock {
            if byText.count >= limit { byText.removeAll(keepingCapacity: true) }
            byText[text] = decoded
        }
        return decoded
    }
}

struct GRDBTransaction: IncidentTransaction {
    let db: Database

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

    /// Runs a statement from the connection's statement cache (the hot paths run thousands of times a second).
    func exec(_ sql: String, arguments: StatementArguments = []) throws {
        try db.cachedStatement(sql: sql).execute(arguments: arguments)
    }

    func rows(_ sql: String, arguments: StatementArguments = []) throws -> [Row] {
        try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments)
    }

    func scalar<V: DatabaseValueConvertible & StatementColumnConvertible>(
        _ type: V.Type,
        _ sql: String,
        arguments: StatementArguments = []
    ) throws -> V? {
        try V.fetchOne(db.cachedStatement(sql: sql), arguments: arguments)
    }

    static func encode<T: Encodable>(_ v: T) throws -> String { String(decoding: try encoder.encode(v), as: UTF8.self) }
    static func decode<T: Decodable>(_ t: T.Type, _ s: String) throws -> T { try decoder.decode(t, from: Data(s.utf8)) }

    func incidents(_ sql: String, _ args: StatementArguments = []) throws -> [Incident] {
        try String.fetchAll(db.cachedStatement(sql: sql), arguments: args).map { try Self.records.incident($0) }
    }

    /// Decoded incident records by their exact JSON text: a command on an open incident reads the same record
    /// the previous command wrote, and decoding JSON is most of the cost of a lookup. Keyed by the whole
    /// text, so a changed record is never served stale.
    static let records = RecordCache()

    func incident(_ id: IncidentID) throws -> Incident? {
        try incidents("SELECT record FROM incidents WHERE id = ?", [id.rawValue]).first
    }

    func openIncidents() throws -> [Incident] {
        // Sorted here: an ORDER BY would build a temporary sorter on every command (there are few open ones).
        try incidents("SELECT record FROM incidents WHERE state IN ('declared','acknowledged','mitigated')")
            .sorted { ($0.declaredAt, $0.id.rawValue) < ($1.declaredAt, $1.id.rawValue) }
    }

    func incidents(declaredSince since: Date) throws -> [Incident] {
        try incidents(
            "SELECT record FROM incidents WHERE declared_at >= ? ORDER BY declared_at DESC, id DESC",
            [since.timeIntervalSince1970]
        )
    }

    func incidentTimes(declaredSince since: Date) throws -> [IncidentTimes] {
        // One json_extract with several paths parses each record once (in SQLite's C parser) and returns
        // `[ack,first,mitigated,resolved]` with nulls; decoding 10k whole records was most of `kpi`'s time.
        let rows = try rows(
            """
            SELECT severity, state, declared_at,
                   json_extract(record, '$.acknowledgedAt'), json_extract(record, '$.firstResponseAt'),
                   json_extract(record, '$.mitigatedAt'), json_extract(record, '$.resolvedAt')
            FROM incidents WHERE declared_at >= ? ORDER BY declared_at DESC, id DESC
            """,
            arguments: [since.timeIntervalSince1970]
        )
        return try rows.map { row in
            func date(_ i: Int) -> Date? { (row[i] as Double?).map { Date(timeIntervalSince1970: $0) } }
            let state: String = row[1]
            guard let s = IncidentState(rawValue: state) else {
                throw DatabaseError(message: "incident state '\(state)' is not known")
            }
            return IncidentTimes(
                severity: row[0],
                state: s,
                declaredAt: Date(timeIntervalSince1970: row[2]),
                acknowledgedAt: date(3),
                firstResponseAt: date(4),
                mitigatedAt: date(5),
                resolvedAt: date(6)
            )
        }
    }

    func closedIncidents(declaredSince since: Date, limit: Int) throws -> [Incident] {
        // Walks the declared_at index from the newest and decodes only the rows it returns.
        try incidents(
            """
            SELECT record FROM incidents WHERE declared_at >= ? AND state IN ('resolved','closed')
            ORDER BY declared_at DESC, id DESC LIMIT ?
            """,
            [since.timeIntervalSince1970, limit]
        )
    }

    func openIncident(alertGroupKey key: String) throws -> Incident? {
        try incidents(
            """
            SELECT record FROM incidents WHERE alert_group_key = ? AND state IN ('declared','acknowledged','mitigated')
            """,
            [key]
        ).first
    }

    func knownAlerts(_ id: IncidentID, among fingerprints: [String]) throws -> Set<String> {
        var known: Set<String> = []
        for f in fingerprints
        where try scalar(
            Int.self,
            "SELECT 1 FROM alert_fingerprints WHERE incident_id = ? AND fingerprint = ?",
            arguments: [id.rawValue, f]
        ) != nil {
            known.insert(f)
        }
        return known
    }

    func rememberAlerts(_ id: IncidentID, _ fingerprints: [String]) throws {
        for f in fingerprints {
            try exec(
                "INSERT OR IGNORE INTO alert_fingerprints (incident_id, fingerprint) VALUES (?, ?)",
                arguments: [id.rawValue, f]
            )
        }
    }

    /// Timeline rows of one incident as entries (`sql` selects id, at, actor, kind, text).
    func timelineEntries(_ id: IncidentID, _ sql: String, _ arguments: StatementArguments) throws -> [TimelineEntry] {
        try rows(sql, arguments: arguments).map { row in
            TimelineEntry(
                id: row["id"],
                incidentID: id,
                at: Date(timeIntervalSince1970: row["at"]),
                actor: row["actor"],
                kind: TimelineKind(rawValue: row["kind"]) ?? .note,
                text: row["text"]
            )
        }
    }

    func timeline(_ id: IncidentID, after afterID: Int64, limit: Int) throws -> [TimelineEntry] {
        try timelineEntries(
            id,
            "SELECT id, at, actor, kind, text FROM timeline WHERE incident_id = ? AND id > ? ORDER BY id LIMIT ?",
            [id.rawValue, afterID, limit]
        )
    }

    func timeline(_ id: IncidentID, latest limit: Int) throws -> (entries: [TimelineEntry], total: Int) {
        let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM timeline WHERE incident_id = ?", arguments: [id.rawValue]) ?? 0
        let newest = try timelineEntries(
            id,
            "SELECT id, at, actor, kind, text FROM timeline WHERE incident_id = ? ORDER BY id DESC LIMIT ?",
            [id.rawValue, limit]
        )
        return (newest.reversed(), total)
    }

    func timeline(_ id: IncidentID) throws -> [TimelineEntry] {
        try timelineEntries(id, "SELECT id, at, actor, kind, text FROM timeline WHERE incident_id = ? ORDER BY id", [id.rawValue])
    }

    func pendingTimers(_ id: IncidentID) throws -> [IncidentTimer] {
        try rows(
            """
            SELECT * FROM timers WHERE incident_id = ? AND fired_at IS NULL AND cancelled_at IS NULL ORDER BY due_at, id
            """,
            arguments: [id.rawValue]
        ).map(Self.timer)
    }

    static func timer(_ row: Row) -> IncidentTimer {
        var t = IncidentTimer(
            id: row["id"],
            incidentID: IncidentID(row["incident_id"] as String),
            kind: TimerKind(rawValue: row["kind"]) ?? .escalation,
            step: row["step"],
            round: row["round"],
            clock: (row["clock"] as String?).flatMap(SLAClock.init(rawValue:)),
            fraction: row["fraction"],
            dueAt: Date(timeIntervalSince1970: row["due_at"])
        )
        t.firedAt = (row["fired_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        t.cancelledAt = (row["cancelled_at"] as Double?).map(Date.init(timeIntervalSince1970:))
        return t
    }

    func dueTimers(now: Date, limit: Int) throws -> [IncidentTimer] {
        try rows(
            """
            SELECT * FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL AND due_at <= ? ORDER BY due_at, id LIMIT ?
            """,
            arguments: [now.timeIntervalSince1970, limit]
        ).map(Self.timer)
    }

    func nextTimerDue() throws -> Date? {
        try scalar(Double.self, "SELECT MIN(due_at) FROM timers WHERE fired_at IS NULL AND cancelled_at IS NULL")
            .map(Date.init(timeIntervalSince1970:))
    }

    func markFired(_ timerID: Int64, at: Date) throws -> Bool {
        try exec(
            "UPDATE timers SET fired_at = ? WHERE id = ? AND fired_at IS NULL AND cancelled_at IS NULL",
            arguments: [at.timeIntervalSince1970, timerID]
        )
        return db.changesCount == 1
    }

    func drills() throws -> [DrillRecord] {
        try rows("SELECT * FROM drills ORDER BY id").map { r in
            DrillRecord(
                kind: r["kind"],
                result: r["result"],
                minutes: r["minutes"],
                at: Date(timeIntervalSince1970: r["at"]),
                actor: r["actor"]
            )
        }
    }

    func changes(since: Date) throws -> [ChangeRecord] {
        try rows("SELECT * FROM changes WHERE at >= ? ORDER BY id", arguments: [since.timeIntervalSince1970]).map { r in
            ChangeRecord(
                name: r["name"],
                success: (r["success"] as Int) == 1,
                at: Date(timeIntervalSince1970: r["at"]),
                actor: r["actor"]
            )
        }
    }

    func nextIncidentSequence(day: String) throws -> Int {
        (try scalar(Int.self, "SELECT MAX(seq) FROM incidents WHERE day = ?", arguments: [day]) ?? 0) + 1
    }

    func insert(_ incident: Incident) throws {
        let parts = incident.id.rawValue.split(separator: "-")
        guard parts.count == 3, let seq = Int(parts[2]) else {
            throw DatabaseError(resultCode: .SQLITE_CONSTRAINT, message: "malformed incident id \(incident.id)")
        }
        try exec(
            """
            INSERT INTO incidents (id, day, seq, state, severity, event_type, declared_at, origin_platform, origin_channel,
                                   alert_group_key, record)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            arguments: [
                incident.id.rawValue, String(parts[1]), seq, incident.state.rawValue, incident.severity,
                incident.eventType, incident.declaredAt.timeIntervalSince1970, incident.origin.platform,
                incident.origin.channel, incident.alertGroupKey, try Self.encode(incident),
            ]
        )
    }

    func update(_ incident: Incident) throws {
        let record = try Self.encode(incident)
        try exec(
            """
            UPDATE incidents SET state = ?, severity = ?, alert_group_key = ?, record = ? WHERE id = ?
            """,
            arguments: [
                incident.state.rawValue, incident.severity, incident.alertGroupKey, record,
                incident.id.rawValue,
            ]
        )
        guard db.changesCount == 1 else {
            throw DatabaseError(resultCode: .SQLITE_NOTFOUND, message: "no incident \(incident.id)")
        }
    }

    func append(_ entry: TimelineEntry) throws {
        try exec(
            "INSERT INTO timeline (incident_id, at, actor, kind, text) VALUES (?, ?, ?, ?, ?)",
            arguments: [
                entry.incidentID.rawValue, entry.at.timeIntervalSince1970, entry.actor,
                entry.kind.rawValue, entry.text,
            ]
        )
    }

    func schedule(_ timer: IncidentTimer) throws {
        try exec(
            """
            INSERT INTO timers (incident_id, kind, step, round, clock, fraction, due_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            arguments: [
                timer.incidentID.rawValue, timer.kind.rawValue, timer.step, timer.round,
                timer.clock?.rawValue, timer.fraction, timer.dueAt.timeIntervalSince1970,
                Date().timeIntervalSince1970,
            ]
        )
    }

    func cancelTimers(_ id: IncidentID, _ which: TimerCancellation, at: Date) throws {
        var sql =
            "UPDATE timers SET cancelled_at = ? WHERE incident_id = ? AND fired_at IS NULL AND cancelled_at IS NULL"
        var args: StatementArguments = [at.timeIntervalSince1970, id.rawValue]
        switch which {
        case .all: break
        case .escalation: sql += " AND kind = 'escalation'"
        case .updateReminder: sql += " AND kind = 'update_reminder'"
        case .clock(let c):
            sql += " AND kind IN ('sla_warning','sla_breach') AND clock = ?"
            args += [c.rawValue]
        }
        try exec(sql, arguments: args)
    }

    func enqueue(_ message: OutboxMessage) throws -> Int64 {
        try exec(
            """
            INSERT INTO outbox (incident_id, platform, channel, kind, text, mentions, status, attempts, created_at,
                                next_attempt_at)
            VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)
            """,
            arguments: [
                message.incidentID?.rawValue, message.destination.platform, message.destination.channel,
                message.kind, message.text, message.mentions.isEmpty ? "[]" : try Self.encode(message.mentions),
                message.createdAt.timeIntervalSince1970, message.nextAttemptAt.timeIntervalSince1970,
            ]
        )
        return db.lastInsertedRowID
    }

    func recordInbound(key: String, at: Date) throws -> Bool {
        try exec(
            "INSERT OR IGNORE INTO inbound_requests (key, received_at) VALUES (?, ?)",
            arguments: [key, at.timeIntervalSince1970]
        )
        return db.changesCount == 1
    }

    func record(_ drill: DrillRecord) throws {
        try exec(
            "INSERT INTO drills (kind, result, minutes, at, actor) VALUES (?, ?, ?, ?, ?)",
            arguments: [drill.kind, drill.result, drill.minutes, drill.at.timeIntervalSince1970, drill.actor]
        )
    }

    func onCallOverrides(endingAfter after: Date) throws -> [OnCallOverride] {
        try rows(
            "SELECT * FROM oncall_overrides WHERE cancelled_at IS NULL AND until_at > ? ORDER BY created_at, id",
            arguments: [after.timeIntervalSince1970]
        ).map { r in
            OnCallOverride(
                id: r["id"],
                schedule: r["schedule"],
                person: r["person"],
                from: Date(timeIntervalSince1970: r["from_at"]),
                until: Date(timeIntervalSince1970: r["until_at"]),
                reason: r["reason"],
                createdBy: r["created_by"],
                createdAt: Date(timeIntervalSince1970: r["created_at"])
            )
        }
    }

    func insert(_ o: OnCallOverride) throws -> Int64 {
        try exec(
            """
            INSERT INTO oncall_overrides (schedule, person, from_at, until_at, reason, created_by, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            arguments: [
                o.schedule, o.person, o.from.timeIntervalSince1970, o.until.timeIntervalSince1970, o.reason,
                o.createdBy, o.createdAt.timeIntervalSince1970,
            ]
        )
        return db.lastInsertedRowID
    }

    func cancelOverride(_ id: Int64, at: Date, by actor: String) throws -> Bool {
        try exec(
            "UPDATE oncall_overrides SET cancelled_at = ?, cancelled_by = ? WHERE id = ? AND cancelled_at IS NULL",
            arguments: [at.timeIntervalSince1970, actor, id]
        )
        return db.changesCount > 0
    }

    func record(_ change: ChangeRecord) throws {
        try exec(
            "INSERT INTO changes (name, success, at, actor) VALUES (?, ?, ?, ?)",
            arguments: [change.name, change.success ? 1 : 0, change.at.timeIntervalSince1970, change.actor]
        )
    }
}
