import BridgeCore
import BridgeStore
import Foundation

/// The template contexts of the incident pages: the list (`/incidents`) and one incident with its timeline's first
/// screen, its facts, people and SLA clocks.
extension IncidentPages {
    var ja: Bool { config.locale == .ja }
    var tz: LocalTime { LocalTime(config.timeZone) }
    func name(_ id: String) -> String { config.people[id]?.name ?? id }

    /// The page-wide values every template gets.
    func base(now: Date, link: String) -> [String: Any] {
        [
            "lang": config.locale.rawValue, "l": Self.labels(config).table, "now": tz.display(now),
            "timezone": config.timeZone.identifier, "list_href": "/incidents" + link,
        ]
    }

    /// `/incidents`: open incidents, then the recently declared ones that are no longer open.
    func listContext(now: Date, link: String) async throws -> [String: Any] {
        let since = now.addingTimeInterval(-recentWindow)
        // Only what the page shows: the open incidents and the newest closed ones (not every record of 14 days).
        let limit = recentLimit
        let (open, closed) = try await store.read { r in
            (try r.openIncidents(), try r.closedIncidents(declaredSince: since, limit: limit))
        }
        let openSorted = open.sorted { $0.declaredAt > $1.declaredAt }
        func rows(_ list: [Incident]) -> [[String: Any]] { list.map { row($0, now: now, link: link) } }
        var c = base(now: now, link: link)
        c["open"] = rows(openSorted)
        c["has_open"] = !openSorted.isEmpty
        c["open_count"] = openSorted.count
        c["recent"] = rows(Array(closed))
        c["has_recent"] = !closed.isEmpty
        return c
    }

    /// One row of the list.
    func row(_ inc: Incident, now: Date, link: String) -> [String: Any] {
        let sla = slaLeft(inc, now: now)
        return [
            "id": inc.id.rawValue, "href": "/incidents/\(inc.id.rawValue)\(link)", "severity": inc.severity,
            "state": stateLabel(inc.state), "title": inc.title,
            "responsible": inc.responsible.map(name).joined(separator: ", "),
            "accountable": inc.accountable.map(name).joined(separator: ", "),
            "declared_at": tz.display(inc.declaredAt), "declared_iso": tz.iso8601(inc.declaredAt),
            "sla": sla.text, "sla_class": sla.cssClass,
        ]
    }

    /// The most urgent SLA clock as text: a breach still running, else the time left on the next clock to run out;
    /// clocks already missed follow.
    func slaLeft(_ inc: Incident, now: Date) -> (text: String, cssClass: String) {
        let clocks = ClockResult.evaluate(inc, config: config, now: now)
        guard !clocks.isEmpty else { return ("-", "") }
        func stopped(_ c: ClockResult) -> Bool {
            c.clock == .firstResponse ? inc.firstResponseAt != nil : (inc.mitigatedAt ?? inc.resolvedAt) != nil
        }
        let breaching = clocks.filter { $0.status == .missed && !stopped($0) && inc.state.isOpen }
        let missed = clocks.filter { $0.status == .missed && !breaching.contains($0) }
        var parts: [String] = []
        var css = "ok"
        if let b = breaching.min(by: { $0.deadline < $1.deadline }) {
            let over = Self.minutes(BridgeDuration.between(b.deadline, now))
            parts.append(config.word(.pageBreached, ["clock": clockLabel(b.clock), "over": over.description]))
            css = "bad"
        } else if let next = clocks.filter({ $0.status == .running }).min(by: { $0.deadline < $1.deadline }) {
            let left = Self.minutes(BridgeDuration.between(now, next.deadline))
            parts.append(config.word(.pageLeft, ["clock": clockLabel(next.clock), "left": left.description]))
            if Double(left.seconds) < 0.2 * next.target.timeInterval { css = "warn" }
        }
        for m in missed {
            parts.append(config.word(.pageMissed, ["clock": clockLabel(m.clock)]))
            css = "bad"
        }
        if parts.isEmpty { parts.append(config.word(.statusMet)) }
        return (parts.joined(separator: " · "), css)
    }

    /// Whole minutes once past one: `3h59m`, not `3h59m44s`.
    static func minutes(_ d: BridgeDuration) -> BridgeDuration {
        abs(d.seconds) < 60 ? d : BridgeDuration(seconds: d.seconds / 60 * 60)
    }

    /// Which timeline rows an incident page's context carries.
    enum TimelineRows {
        case firstScreen, all
        case sentinel([String: Any])
    }

    /// One timeline row of the incident template.
    func timelineRow(_ e: TimelineEntry) -> [String: Any] {
        [
            "at": tz.display(e.at), "iso": tz.iso8601(e.at), "actor": name(e.actor), "kind": e.kind.rawValue,
            "text": e.text,
        ]
    }

    /// `/incidents/<INC>`: summary, R/A/C/I, SLA clocks, the timeline; nil when there is no such incident.
    /// How many timeline entries the first screen of an incident page shows (the newest); `?all=1` shows all.
    static let firstScreen = 200

    /// `rows`: `.firstScreen` (the newest 200 and a link to the rest), `.all` (every entry, in memory), or
    /// `.sentinel(row)`: one given row standing for all of them (the frame of a streamed page).
    func incidentContext(
        _ id: IncidentID,
        now: Date,
        link: String,
        rows: TimelineRows = .firstScreen
    ) async throws -> [String: Any]? {
        let limit: Int
        switch rows {
        case .firstScreen: limit = Self.firstScreen
        case .all: limit = Int.max
        case .sentinel: limit = 0
        }
        guard
            let (inc, entries, total) = try await store.read({ r -> (Incident, [TimelineEntry], Int)? in
                guard let i = try r.incident(id) else { return nil }
                let t = try r.timeline(id, latest: limit)
                return (i, t.entries, t.total)
            })
        else { return nil }
        var c = base(now: now, link: link)
        let type = config.eventTypes[inc.eventType]
        let sev = config.severities[inc.severity]
        c["id"] = inc.id.rawValue
        c["title"] = inc.title
        c["state"] = stateLabel(inc.state)
        c["is_open"] = inc.state.isOpen
        c["severity"] = inc.severity
        c["severity_name"] = sev?.name ?? inc.severity
        c["event_type"] = inc.eventType
        c["event_type_name"] = type?.name ?? inc.eventType
        var facts: [[String: Any]] = []
        func fact(_ label: String, _ value: String?, iso: Date? = nil) {
            guard let value, !value.isEmpty else { return }
            var f: [String: Any] = ["label": label, "value": value]
            if let iso { f["iso"] = tz.iso8601(iso) }
            facts.append(f)
        }
        let l = Self.labels(config)
        fact(l["event_type"], "\(type?.name ?? inc.eventType) (\(inc.eventType))")
        fact(l["severity"], sev.map { "\(inc.severity) \($0.name)" } ?? inc.severity)
        fact(l["state"], stateLabel(inc.state))
        fact(l["declared"], "\(tz.display(inc.declaredAt)) (\(name(inc.declaredBy)))", iso: inc.declaredAt)
        if let a = inc.acknowledgedAt {
            fact(l["acknowledged"], "\(tz.display(a))" + (inc.acknowledgedBy.map { " (\(name($0)))" } ?? ""), iso: a)
        }
        if let m = inc.mitigatedAt { fact(l["mitigated"], tz.display(m), iso: m) }
        if let r = inc.resolvedAt {
            fact(l["resolved"], "\(tz.display(r)) (\(BridgeDuration.between(inc.declaredAt, r)))", iso: r)
        }
        if let x = inc.closedAt { fact(l["closed"], tz.display(x), iso: x) }
        fact(l["resolution"], inc.summary)
        fact(l["maintenance"], inc.maintenanceWindow)
        fact(l["bridge"], [config.bridge.phone, config.bridge.url].filter { !$0.isEmpty }.joined(separator: " · "))
        c["facts"] = facts
        var people: [[String: Any]] = [
            ["label": l["responsible"], "value": inc.responsible.map(name).joined(separator: ", ")],
            ["label": l["accountable"], "value": inc.accountable.map(name).joined(separator: ", ")],
            ["label": l["consulted"], "value": inc.consulted.map(name).joined(separator: ", ")],
            ["label": l["informed"], "value": inc.informed.map(name).joined(separator: ", ")],
        ]
        for (role, person) in inc.assignments.sorted(by: { $0.key < $1.key }) {
            people.append(["label": role, "value": name(person)])
        }
        c["people"] = people.filter { !(($0["value"] as? String) ?? "").isEmpty }
        c["clocks"] = ClockResult.evaluate(inc, config: config, now: now).map { clock -> [String: Any] in
            [
                "clock": clockLabel(clock.clock), "target": clock.target.description,
                "elapsed": clock.elapsed.description,
                "status": statusLabel(clock.status),
                "status_class": clock.status == .missed ? "bad" : clock.status == .met ? "ok" : "",
                "deadline": tz.display(clock.deadline), "deadline_iso": tz.iso8601(clock.deadline),
            ]
        }
        if case .sentinel(let row) = rows {
            c["timeline"] = [row]
            c["has_timeline"] = total > 0
        } else {
            c["timeline"] = entries.map(timelineRow)
            c["has_timeline"] = !entries.isEmpty
        }
        if case .firstScreen = rows, entries.count < total {
            let shown = config.word(.pageTimelineMore, ["shown": String(entries.count), "total": String(total)])
            let href = "/incidents/\(inc.id.rawValue)" + (link.isEmpty ? "?all=1" : link + "&all=1")
            c["timeline_more"] = ["shown": shown, "href": href]
        }
        if let base = config.runbooks.baseURL, !base.isEmpty {
            c["runbooks"] = (type?.runbooks ?? []).map { ["file": $0, "href": config.runbooks.link(for: $0)] }
        } else {
            c["runbooks"] = (type?.runbooks ?? []).map { ["file": config.runbooks.link(for: $0)] }
        }
        c["has_runbooks"] = !(type?.runbooks ?? []).isEmpty
        return c
    }
}
