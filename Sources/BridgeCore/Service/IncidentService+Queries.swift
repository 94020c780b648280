import Foundation

/// The read-only verbs: they answer from the store and change nothing.
extension IncidentService {
    /// The answer to a read-only verb.
    func query(
        _ parsed: ParsedCommand,
        command: ChatCommand,
        person: BridgeConfiguration.Person?,
        actor: String,
        now: Date
    ) async throws -> CommandOutcome {
        switch parsed {
        case .list, .show, .timeline, .kpi:
            if let wait = readLimiter.take(actor, now: now) {
                throw Refusal(.state, .tooManyRequests, ["wait": String(wait)])
            }
        default: break
        }
        switch parsed {
        case .help:
            return CommandOutcome(
                reply: renderer.render(Post(kind: .help, incident: nil, actor: actor), for: command.platform)
            )
        case .raci(let type):
            return CommandOutcome(reply: try raciText(type, platform: command.platform))
        case .runbook(let name):
            return CommandOutcome(reply: try runbookText(name, platform: command.platform))
        case .list:
            // Only the incidents of this channel, and (where the answer is private) those the actor is R, A or
            // commander of.
            let channels = outgoing.channels
            let authorizer = self.authorizer
            let open = try await store.read { try $0.openIncidents() }.filter {
                channels.isChannel(command.origin, of: $0)
                    || (command.privateReply
                        && authorizer.allows(.responders, person: person, incident: $0))
            }
            let shown = Array(open.suffix(Self.chatListRows))
            var rows = listRows(shown, platform: command.platform)
            if open.count > shown.count {
                let more = open.count - shown.count
                rows += "\n" + config.word(.listMore, ["more": String(more)])
            }
            let post = Post(kind: .list, incident: nil, actor: actor, fields: ["rows": rows])
            return CommandOutcome(reply: renderer.render(post, for: command.platform))
        case .show(let id):
            let (inc, _, total) = try await incidentWithTimeline(id, .show, command, person, actor, latest: 0)
            let post = Post(kind: .show, incident: inc, actor: actor, fields: ["timeline_count": String(total)])
            return CommandOutcome(reply: renderer.render(post, for: command.platform), incidentID: inc.id)
        case .timeline(let id, let format):
            // A chat message holds a screenful, not 100k entries: the latest ones, read as such (the whole
            // timeline is the export's and the incident page's job).
            let limit = Self.chatTimelineEntries
            let (inc, entries, total) = try await incidentWithTimeline(id, .timeline, command, person, actor, latest: limit)
            let renderer = self.renderer
            var text = reports.timeline(inc, entries, format: format, now: nil) {
                renderer.escape($0, for: command.platform)
            }
            if total > entries.count { text += "\n" + renderer.escape(omittedLine(inc.id, shown: entries.count, total: total), for: command.platform) }
            return CommandOutcome(reply: text, incidentID: inc.id)
        case .kpi(let window):
            let window = window ?? .init(seconds: 30 * 86_400)
            let since = now.addingTimeInterval(-window.timeInterval)
            let (incidents, changes) = try await store.read { r in
                (try r.incidentTimes(declaredSince: since), try r.changes(since: since))
            }
            return CommandOutcome(reply: reports.kpi(incidents: incidents, changes: changes, now: now, window: window))
        default:
            throw Refusal(.input, .nothingToDo)
        }
    }

    /// Timeline entries a chat answer shows (the latest ones).
    static let chatTimelineEntries = 100
    /// Incidents a chat `list` shows (the newest ones).
    static let chatListRows = 50

    /// `(showing the latest 100 of 100000 entries; ...)`.
    func omittedLine(_ id: IncidentID, shown: Int, total: Int) -> String {
        let page = (config.http.publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? "") + "/incidents/\(id.rawValue)"
        return locale == .ja
            ? "（全 \(total) 件のうち最新 \(shown) 件。すべては \(page) または incident-bridge export で）"
            : "(the latest \(shown) of \(total) entries; all of them: \(page) or incident-bridge export)"
    }

    /// The incident a `show`/`timeline` names (or the one of this channel), once the actor may see it here, with
    /// its `latest` timeline entries and their total.
    func incidentWithTimeline(
        _ id: IncidentID?,
        _ action: AuthorizationPolicy.Action,
        _ command: ChatCommand,
        _ person: BridgeConfiguration.Person?,
        _ actor: String,
        latest: Int
    ) async throws -> (Incident, [TimelineEntry], Int) {
        let channels = outgoing.channels
        let config = self.config
        return try await store.read { r -> (Incident, [TimelineEntry], Int) in
            let inc = try Self.target(id, origin: command.origin, reader: r, channels: channels)
            try Self.authorize(
                action,
                on: inc,
                command: command,
                person: person,
                actor: actor,
                config: config,
                channels: channels
            )
            let (entries, total) = try r.timeline(inc.id, latest: latest)
            return (inc, entries, total)
        }
    }

    /// One line per open incident; titles and names escaped for the platform (the rows are inserted as they are).
    func listRows(_ open: [Incident], platform: String) -> String {
        let tz = LocalTime(config.timeZone)
        if open.isEmpty { return config.word(.noOpenIncidents) }
        func text(_ s: String) -> String { renderer.escape(OneLine.clean(s), for: platform) }
        return open.map { i in
            let r = i.responsible.map { text(config.people[$0]?.name ?? $0) }.joined(separator: ", ")
            let a = i.accountable.map { text(config.people[$0]?.name ?? $0) }.joined(separator: ", ")
            return
                "• \(i.id) [\(text(i.severity))] \(i.state.rawValue) \(text(i.title)) (R: \(r) / A: \(a), \(tz.display(i.declaredAt)))"
        }.joined(separator: "\n")
    }

    func raciText(_ typeID: String, platform: String) throws -> String {
        guard let type = config.eventTypes[typeID] else {
            let known = config.eventTypes.keys.sorted().joined(separator: ", ")
            throw Refusal(.input, .unknownEventType, ["type": typeID, "known": known])
        }
        let rows = type.raci.map { row -> String in
            let role = config.roles[row.role]
            let people = (role?.members ?? []).map { config.people[$0]?.name ?? $0 }.joined(separator: ", ")
            return "\(row.letter.rawValue)  \(role?.name ?? row.role): \(people)"
        }.joined(separator: "\n")
        return renderer.render(
            Post(
                kind: .raci,
                incident: nil,
                actor: "bot",
                fields: ["event_type": type.id, "event_type_name": type.name, "rows": rows]
            ),
            for: platform
        )
    }

    func runbookText(_ name: String, platform: String) throws -> String {
        var files: [String] = []
        var title = name
        if let type = config.eventTypes[name] {
            files = type.runbooks
            title = type.name
        } else {
            let candidates = Set(config.eventTypes.values.flatMap(\.runbooks))
            if let f = candidates.first(where: { $0 == name || $0 == name + ".md" || $0.hasSuffix("/" + name + ".md") })
            {
                files = [f]
            }
        }
        guard !files.isEmpty else {
            throw Refusal(.input, .noRunbook, ["name": name])
        }
        let rows = files.map { "• \(config.runbooks.link(for: $0))" }.joined(separator: "\n")
        return renderer.render(
            Post(kind: .runbook, incident: nil, actor: "bot", fields: ["name": title, "rows": rows]),
            for: platform
        )
    }
}
