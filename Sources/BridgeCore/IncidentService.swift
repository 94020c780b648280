import Foundation

/// The answer to one chat command: a reply for the sender; channel posts went to the outbox.
public struct CommandOutcome: Sendable, Equatable {
    public var reply: String
    public var incidentID: IncidentID?
    /// False when the command was refused (bad input, illegal transition); nothing changed then.
    public var ok: Bool
    /// True when the command was a retried delivery that had been applied before.
    public var duplicate: Bool
    public init(reply: String, incidentID: IncidentID? = nil, ok: Bool = true, duplicate: Bool = false) {
        self.reply = reply
        self.incidentID = incidentID
        self.ok = ok
        self.duplicate = duplicate
    }
}

/// Applies chat commands to the store: each state change is one transaction holding the incident row,
/// its timeline entries, its timer changes and its outbox rows.
public struct IncidentService: Sendable {
    public var config: BridgeConfiguration
    public var store: any IncidentStore
    public var renderer: any PostRenderer
    public var clock: any BridgeClock
    /// Called after a commit that scheduled timers or enqueued posts (wakes the scheduler and dispatcher).
    public var onCommit: @Sendable () -> Void

    public init(
        config: BridgeConfiguration,
        store: any IncidentStore,
        renderer: any PostRenderer,
        clock: any BridgeClock,
        onCommit: @escaping @Sendable () -> Void = {}
    ) {
        self.config = config
        self.store = store
        self.renderer = renderer
        self.clock = clock
        self.onCommit = onCommit
    }

    var lifecycle: IncidentLifecycle { IncidentLifecycle(config: config) }
    var locale: BridgeConfiguration.Locale { config.locale }

    /// Maps a platform user to a person id, or keeps `platform:handle` for people not in the config.
    public func actor(for command: ChatCommand) -> String {
        if command.platform == "console" || command.platform == "system" {
            return config.person(matching: command.user)?.id ?? command.user
        }
        return config.person(matching: command.user)?.id ?? "\(command.platform):\(command.user)"
    }

    /// Parses and applies one command. `deliveryKey` identifies a platform delivery so a retry is not applied twice.
    public func handle(_ command: ChatCommand, deliveryKey: String? = nil) async -> CommandOutcome {
        switch CommandParser.parse(command.text) {
        case .failure(let e):
            return CommandOutcome(reply: e.text(locale), ok: false)
        case .success(let parsed):
            do {
                return try await apply(parsed, command: command, deliveryKey: deliveryKey)
            } catch let e as LifecycleError {
                return CommandOutcome(reply: e.message.text(locale), ok: false)
            } catch {
                return CommandOutcome(reply: locale == .ja ? "内部エラー: \(error)" : "Internal error: \(error)", ok: false)
            }
        }
    }

    /// Applies an already-parsed command.
    public func apply(
        _ parsed: ParsedCommand,
        command: ChatCommand,
        deliveryKey: String? = nil
    ) async throws -> CommandOutcome {
        let actor = actor(for: command)
        let now = clock.now()
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
            let open = try await store.read { try $0.openIncidents() }
            return CommandOutcome(
                reply: renderer.render(
                    Post(
                        kind: .list,
                        incident: nil,
                        actor: actor,
                        fields: ["rows": listRows(open)]
                    ),
                    for: command.platform
                )
            )
        case .show(let id):
            let (inc, entries) = try await store.read { r -> (Incident, [TimelineEntry]) in
                let inc = try Self.target(id, origin: command.origin, reader: r, locale: locale)
                return (inc, try r.timeline(inc.id))
            }
            let text = renderer.render(
                Post(
                    kind: .show,
                    incident: inc,
                    actor: actor,
                    fields: ["timeline_count": String(entries.count)]
                ),
                for: command.platform
            )
            return CommandOutcome(reply: text, incidentID: inc.id)
        case .timeline(let id, let format):
            let (inc, entries) = try await store.read { r -> (Incident, [TimelineEntry]) in
                let inc = try Self.target(id, origin: command.origin, reader: r, locale: locale)
                return (inc, try r.timeline(inc.id))
            }
            let text = TimelineExporter(config: config).export(inc, entries, format: format)
            return CommandOutcome(reply: text, incidentID: inc.id)
        case .kpi(let window):
            let since = now.addingTimeInterval(-(window ?? .init(seconds: 30 * 86_400)).timeInterval)
            let (incidents, changes) = try await store.read { r in
                (try r.incidents(declaredSince: since), try r.changes(since: since))
            }
            let report = KPIReport.compute(
                config: config,
                incidents: incidents,
                changes: changes,
                now: now,
                window: window ?? .init(seconds: 30 * 86_400)
            )
            return CommandOutcome(reply: report.text(locale: locale))
        case .drill(let kind, let result, let minutes):
            let record = DrillRecord(kind: kind.rawValue, result: result, minutes: minutes, at: now, actor: actor)
            let dup = try await store.write { tx -> Bool in
                if let key = deliveryKey, try !tx.recordInbound(key: key, at: now) { return true }
                try tx.record(record)
                return false
            }
            return CommandOutcome(
                reply: dup
                    ? duplicateReply
                    : (locale == .ja
                        ? "訓練を記録しました: \(kind.rawValue) \(result)\(minutes.map { " \($0)分" } ?? "")"
                        : "Drill recorded: \(kind.rawValue) \(result)\(minutes.map { " \($0) min" } ?? "")"),
                duplicate: dup
            )
        case .change(let name, let success):
            let record = ChangeRecord(name: name, success: success, at: now, actor: actor)
            let dup = try await store.write { tx -> Bool in
                if let key = deliveryKey, try !tx.recordInbound(key: key, at: now) { return true }
                try tx.record(record)
                return false
            }
            return CommandOutcome(
                reply: dup
                    ? duplicateReply
                    : (locale == .ja
                        ? "変更を記録しました: \(name) \(success ? "成功" : "失敗")"
                        : "Change recorded: \(name) \(success ? "success" : "failed")"),
                duplicate: dup
            )
        case .declare(let type, let severity, let title):
            let lifecycle = self.lifecycle
            let config = self.config
            let tz = LocalTime(config.timeZone)
            let renderer = self.renderer
            let result = try await store.write { tx -> (IncidentID?, Bool) in
                if let key = deliveryKey, try !tx.recordInbound(key: key, at: now) { return (nil, true) }
                let day = tz.dayStamp(now)
                let id = IncidentID.make(day: day, sequence: try tx.nextIncidentSequence(day: day))
                let fx = try lifecycle.declare(
                    id: id,
                    eventType: type,
                    severity: severity,
                    title: title,
                    actor: actor,
                    at: now,
                    origin: command.origin
                ).get()
                try tx.insert(fx.incident)
                try Self.commit(fx, tx: tx, now: now, config: config, renderer: renderer)
                return (id, false)
            }
            if result.1 { return CommandOutcome(reply: duplicateReply, duplicate: true) }
            onCommit()
            let id = result.0!
            return CommandOutcome(reply: locale == .ja ? "\(id) を宣言しました" : "\(id) declared", incidentID: id)
        case .ack(let id):
            return try await transition(
                .acknowledge,
                id: id,
                command: command,
                actor: actor,
                now: now,
                deliveryKey: deliveryKey
            )
        case .update(let id, let text):
            return try await transition(
                .update(text),
                id: id,
                command: command,
                actor: actor,
                now: now,
                deliveryKey: deliveryKey
            )
        case .note(let id, let text):
            return try await transition(
                .note(text),
                id: id,
                command: command,
                actor: actor,
                now: now,
                deliveryKey: deliveryKey
            )
        case .assign(let id, let role, let user):
            guard let person = config.person(matching: user) else {
                let msg = LocalizedLine(
                    en: "Unknown person '\(user)' (not in people of the config)",
                    ja: "不明な担当者「\(user)」（設定の people にいません）"
                )
                return CommandOutcome(
                    reply: msg.text(locale) + (locale == .ja ? "。使い方: " : ". Usage: ")
                        + Verb.assign.usage,
                    ok: false
                )
            }
            return try await transition(
                .assign(role, person: person.id),
                id: id,
                command: command,
                actor: actor,
                now: now,
                deliveryKey: deliveryKey
            )
        case .escalate(let id, let reason):
            return try await transition(
                .escalateRequest(reason: reason),
                id: id,
                command: command,
                actor: actor,
                now: now,
                deliveryKey: deliveryKey
            )
        case .mitigate(let id, let text):
            return try await transition(
                .mitigate(text),
                id: id,
                command: command,
                actor: actor,
                now: now,
                deliveryKey: deliveryKey
            )
        case .resolve(let id, let summary):
            return try await transition(
                .resolve(summary),
                id: id,
                command: command,
                actor: actor,
                now: now,
                deliveryKey: deliveryKey
            )
        case .close(let id):
            return try await transition(
                .close,
                id: id,
                command: command,
                actor: actor,
                now: now,
                deliveryKey: deliveryKey
            )
        }
    }

    var duplicateReply: String { locale == .ja ? "再送された要求のため無視しました" : "Repeated delivery ignored" }

    func transition(
        _ event: LifecycleEvent,
        id: IncidentID?,
        command: ChatCommand,
        actor: String,
        now: Date,
        deliveryKey: String?
    ) async throws -> CommandOutcome {
        let lifecycle = self.lifecycle
        let locale = self.locale
        let renderer = self.renderer
        let origin = command.origin
        let config = self.config
        let result = try await store.write { tx -> (IncidentID?, Bool) in
            if let key = deliveryKey, try !tx.recordInbound(key: key, at: now) { return (nil, true) }
            let current = try Self.target(id, origin: origin, reader: tx, locale: locale)
            let fx = try lifecycle.apply(event, to: current, actor: actor, at: now).get()
            if fx.incident != current { try tx.update(fx.incident) }  // a note leaves the record as it was
            try Self.commit(fx, tx: tx, now: now, config: config, renderer: renderer)
            return (current.id, false)
        }
        if result.1 { return CommandOutcome(reply: duplicateReply, duplicate: true) }
        onCommit()
        let incID = result.0!
        let word: LocalizedLine =
            switch event {
            case .acknowledge: .init(en: "acknowledged", ja: "了解しました")
            case .update: .init(en: "update posted", ja: "状況を更新しました")
            case .note: .init(en: "note recorded", ja: "メモを記録しました")
            case .assign: .init(en: "assignment recorded", ja: "担当を記録しました")
            case .escalateRequest: .init(en: "escalation requested", ja: "エスカレーションを要求しました")
            case .mitigate: .init(en: "mitigated", ja: "暫定復旧しました")
            case .resolve: .init(en: "resolved", ja: "復旧しました")
            case .close: .init(en: "closed", ja: "クローズしました")
            }
        return CommandOutcome(reply: "\(incID): \(word.text(locale))", incidentID: incID)
    }

    /// Writes the effects of a lifecycle step inside the caller's transaction: its posts to the incident's
    /// channels, its pages as `config` routes them.
    public static func commit(
        _ fx: LifecycleEffects,
        tx: any IncidentTransaction,
        now: Date,
        config: BridgeConfiguration,
        renderer: any PostRenderer
    ) throws {
        try commit(
            fx,
            tx: tx,
            now: now,
            destinations: destinations(config: config, origin: fx.incident.origin),
            renderer: renderer,
            pageConfig: config
        )
    }

    /// Writes the effects of a lifecycle step inside the caller's transaction.
    public static func commit(
        _ fx: LifecycleEffects,
        tx: any IncidentTransaction,
        now: Date,
        destinations: [Destination],
        renderer: any PostRenderer,
        pageConfig: BridgeConfiguration? = nil
    ) throws {
        try write(prepare(fx, now: now, destinations: destinations, renderer: renderer, pageConfig: pageConfig), tx: tx)
    }

    /// The effects of a lifecycle step with every post rendered and every page routed: pure, so it can run
    /// outside the writer.
    public struct PreparedEffects: Sendable {
        public enum Row: Sendable {
            case outbox(OutboxMessage)
            case timeline(TimelineEntry)
        }
        public var effects: LifecycleEffects
        /// When the step happened (timers cancelled then).
        public var now: Date
        /// Outbox rows and page timeline entries in the order they are written (it is the delivery order).
        public var rows: [Row]
    }

    public static func prepare(
        _ fx: LifecycleEffects,
        now: Date,
        destinations: [Destination],
        renderer: any PostRenderer,
        pageConfig: BridgeConfiguration? = nil
    ) -> PreparedEffects {
        var rows: [PreparedEffects.Row] = []
        for post in fx.posts {
            for d in destinations {
                let text = renderer.render(post, for: d.platform)
                rows.append(
                    .outbox(
                        OutboxMessage(
                            incidentID: fx.incident.id,
                            destination: d,
                            kind: post.kind.rawValue,
                            text: text,
                            mentions: post.mentions,
                            createdAt: now
                        )
                    )
                )
            }
        }
        if let config = pageConfig {
            let router = PageRouter(config: config)
            for request in fx.pages {
                let (outbox, entries) = router.rows(for: request, incident: fx.incident, now: now)
                rows += outbox.map { .outbox($0) } + entries.map { .timeline($0) }
            }
        }
        return PreparedEffects(effects: fx, now: now, rows: rows)
    }

    /// Writes prepared effects (timers, timeline, outbox) inside the caller's transaction; the incident row
    /// itself is the caller's.
    public static func write(_ p: PreparedEffects, tx: any IncidentTransaction) throws {
        let fx = p.effects
        for c in fx.cancel { try tx.cancelTimers(fx.incident.id, c, at: p.now) }
        for t in fx.schedule { try tx.schedule(t) }
        for e in fx.timeline { try tx.append(e) }
        for row in p.rows {
            switch row {
            case .outbox(let m): try tx.enqueue(m)
            case .timeline(let e): try tx.append(e)
            }
        }
    }

    /// Finds the incident a command is about: the named one, or the only open one in the channel, or the only
    /// open one at all.
    public static func target(
        _ id: IncidentID?,
        origin: Destination,
        reader: any IncidentReader,
        locale: BridgeConfiguration.Locale
    ) throws -> Incident {
        if let id {
            guard let inc = try reader.incident(id) else {
                throw LifecycleError(.init(en: "No incident \(id)", ja: "\(id) は存在しません"))
            }
            return inc
        }
        let open = try reader.openIncidents()
        let here = open.filter { $0.origin == origin }
        if here.count == 1 { return here[0] }
        if open.count == 1 { return open[0] }
        if open.isEmpty {
            throw LifecycleError(
                .init(
                    en: "No open incident; name one (INC-YYYYMMDD-NNN)",
                    ja: "対応中のインシデントがありません。INC番号を指定してください"
                )
            )
        }
        let ids = open.map(\.id.rawValue).joined(separator: ", ")
        throw LifecycleError(
            .init(
                en: "\(open.count) incidents are open (\(ids)); name one",
                ja: "対応中のインシデントが\(open.count)件あります（\(ids)）。INC番号を指定してください"
            )
        )
    }

    /// Where channel posts of an incident go.
    public func destinations(origin: Destination) -> [Destination] { Self.destinations(config: config, origin: origin) }

    /// The incident's origin channel plus every configured chat channel, without duplicates.
    public static func destinations(config: BridgeConfiguration, origin: Destination) -> [Destination] {
        var out: [Destination] = []
        func add(_ d: Destination) { if !out.contains(d) { out.append(d) } }
        // Teams answers commands synchronously; its proactive posts go through the workflow webhook only.
        if ["console", "slack", "mattermost", "matrix"].contains(origin.platform) { add(origin) }
        let p = config.chat.platforms
        if let c = p["slack"]?["channel"], !c.isEmpty { add(Destination(platform: "slack", channel: c)) }
        if let m = p["mattermost"] {
            if let c = m["channel_id"], !c.isEmpty {
                add(Destination(platform: "mattermost", channel: c))
            } else if m["incoming_webhook_url_env"] != nil {
                add(Destination(platform: "mattermost", channel: "webhook"))
            }
        }
        if let rooms = p["matrix"]?["rooms"], !rooms.isEmpty {
            for r in rooms.split(separator: ",") { add(Destination(platform: "matrix", channel: String(r))) }
        }
        if p["teams"]?["workflow_url_env"] != nil { add(Destination(platform: "teams", channel: "workflow")) }
        if p["webhook"] != nil { add(Destination(platform: "webhook", channel: "webhook")) }
        if config.chat.consoleEnabled { add(.console) }
        if out.isEmpty { add(.console) }
        // A console origin goes to the console only once even when the console chat is off in the config.
        return out
    }

    func listRows(_ open: [Incident]) -> String {
        let tz = LocalTime(config.timeZone)
        if open.isEmpty { return locale == .ja ? "対応中のインシデントはありません" : "No open incidents" }
        return open.map { i in
            let r = i.responsible.map { config.people[$0]?.name ?? $0 }.joined(separator: ", ")
            let a = i.accountable.map { config.people[$0]?.name ?? $0 }.joined(separator: ", ")
            return
                "• \(i.id) [\(i.severity)] \(i.state.rawValue) \(i.title) (R: \(r) / A: \(a), \(tz.display(i.declaredAt)))"
        }.joined(separator: "\n")
    }

    func raciText(_ typeID: String, platform: String) throws -> String {
        guard let type = config.eventTypes[typeID] else {
            let known = config.eventTypes.keys.sorted().joined(separator: ", ")
            throw LifecycleError(
                .init(
                    en: "Unknown event type '\(typeID)' (known: \(known))",
                    ja: "不明なイベント種別「\(typeID)」（定義済み: \(known)）"
                )
            )
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
            throw LifecycleError(.init(en: "No runbook for '\(name)'", ja: "「\(name)」の手順書はありません"))
        }
        let rows = files.map { "• \(config.runbooks.link(for: $0))" }.joined(separator: "\n")
        return renderer.render(
            Post(kind: .runbook, incident: nil, actor: "bot", fields: ["name": title, "rows": rows]),
            for: platform
        )
    }
}
