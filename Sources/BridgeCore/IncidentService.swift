import Foundation

/// The answer to one chat command: a reply for the sender; channel posts went to the outbox.
public struct CommandOutcome: Sendable, Equatable {
    public var reply: String
    public var incidentID: IncidentID?
    /// False when the command was refused (bad input, illegal transition); nothing changed then.
    public var ok: Bool
    /// True when the command was a retried delivery that had been applied before.
    public var duplicate: Bool
    /// True when the authorization policy refused the command (nothing changed; counted in `/metrics`).
    public var refused: Bool
    public init(
        reply: String,
        incidentID: IncidentID? = nil,
        ok: Bool = true,
        duplicate: Bool = false,
        refused: Bool = false
    ) {
        self.reply = reply
        self.incidentID = incidentID
        self.ok = ok
        self.duplicate = duplicate
        self.refused = refused
    }
}

/// Applies chat commands to the store: each state change is one transaction holding the incident row,
/// its timeline entries, its timer changes and its outbox rows.
public struct IncidentService: Sendable {
    public var config: BridgeConfiguration
    public var store: any IncidentStore
    /// Where posts and pages of a committed step go, and how they are written.
    public var outgoing: Outgoing
    /// The reports of the `timeline` and `kpi` verbs.
    public var reports: any IncidentReports
    public var clock: any BridgeClock
    /// Called after a commit that scheduled timers or enqueued posts (wakes the scheduler and dispatcher).
    public var onCommit: @Sendable () -> Void
    /// Called once for every refused command, whatever its kind (the composition root logs it and counts it in
    /// `/metrics`).
    public var onRefusal: @Sendable (Refusal, ChatCommand) -> Void = { _, _ in }
    /// The per-person limit of the read verbs that read much (`list`, `show`, `timeline`, `kpi`).
    public var readLimiter = ReadLimiter()
    /// Tests only (`INCIDENT_BRIDGE_TEST_CRASH_ON`, debug builds only: release builds ignore it): a command whose text contains this stops the process inside
    /// the handler, as a trap on hostile input would; the poison-event tests need a crash that no fix removes.
    public var crashOn: String?

    public init(
        config: BridgeConfiguration,
        store: any IncidentStore,
        outgoing: Outgoing,
        reports: any IncidentReports,
        clock: any BridgeClock,
        onCommit: @escaping @Sendable () -> Void = {}
    ) {
        self.config = config
        self.store = store
        self.outgoing = outgoing
        self.reports = reports
        self.clock = clock
        self.onCommit = onCommit
    }

    var renderer: any PostRenderer { outgoing.renderer }
    var lifecycle: IncidentLifecycle { IncidentLifecycle(config: config) }
    var locale: BridgeConfiguration.Locale { config.locale }

    /// Parses and applies one command. `deliveryKey` identifies a platform delivery so a retry is not applied twice.
    public func handle(_ command: ChatCommand, deliveryKey: String? = nil) async -> CommandOutcome {
        #if DEBUG
            if let crashOn, !crashOn.isEmpty, command.text.contains(crashOn) { fatalError("test failpoint: crash on '\(crashOn)'") }
        #endif
        let command = config.resolvingPrivacy(command)
        switch CommandParser.parse(command.text, mentionLinks: config.mentionLinks) {
        case .failure(let e):
            onRefusal(e, command)
            return CommandOutcome(reply: renderer.escape(e.text(config), for: command.platform), ok: false)
        case .success(let parsed):
            do {
                return try await apply(parsed, command: command, deliveryKey: deliveryKey)
            } catch let e as Refusal {
                onRefusal(e, command)
                return CommandOutcome(
                    reply: renderer.escape(e.text(config), for: command.platform),
                    ok: false,
                    refused: e.kind == .forbidden
                )
            } catch {
                let reply = renderer.reply(.internalError, fields: ["error": "\(error)"], for: command.platform)
                return CommandOutcome(reply: reply, ok: false)
            }
        }
    }

    /// Applies an already-parsed command: read-only verbs answer from the store, records are written as they
    /// are, `declare` opens an incident, and every other verb is one lifecycle event on an existing incident.
    public func apply(
        _ parsed: ParsedCommand,
        command: ChatCommand,
        deliveryKey: String? = nil
    ) async throws -> CommandOutcome {
        let command = config.resolvingPrivacy(command)
        let person = person(for: command)
        let actor = actor(for: command)
        let now = clock.now()
        try await authorizeUpfront(parsed, command: command, person: person, actor: actor)
        if let answer = try await query(parsed, command: command, person: person, actor: actor, now: now) {
            return answer
        }
        if let answer = try await onCall(parsed, command: command, actor: actor, now: now) { return answer }
        switch parsed {
        case .drill(let kind, let result, let minutes):
            let record = DrillRecord(kind: kind.rawValue, result: result, minutes: minutes, at: now, actor: actor)
            let reply = renderer.reply(
                minutes == nil ? .drillRecorded : .drillRecordedMinutes,
                fields: ["drill": kind.rawValue, "result": result, "minutes": minutes.map(String.init) ?? ""],
                for: command.platform
            )
            return try await recordOnce(reply, command, now: now, deliveryKey: deliveryKey) { try $0.record(record) }
        case .change(let name, let success):
            let record = ChangeRecord(name: name, success: success, at: now, actor: actor)
            let reply = renderer.reply(
                success ? .changeSucceeded : .changeFailed,
                fields: ["change": name],
                for: command.platform
            )
            return try await recordOnce(reply, command, now: now, deliveryKey: deliveryKey) { try $0.record(record) }
        case .declare(let type, let severity, let title):
            return try await declare(
                type: type,
                severity: severity,
                title: title,
                command: command,
                actor: actor,
                now: now,
                deliveryKey: deliveryKey
            )
        case .assign(_, _, let user) where config.person(matching: user) == nil:
            throw Refusal(.input, .unknownPersonAssign, ["user": user], usage: Verb.assign.usage)
        default:
            guard let (id, event) = lifecycleEvent(for: parsed) else {
                throw Refusal(.input, .nothingToDo)
            }
            return try await transition(
                event,
                action: AuthorizationPolicy.Action(parsed),
                id: id,
                command: command,
                person: person,
                actor: actor,
                now: now,
                deliveryKey: deliveryKey
            )
        }
    }

    /// The lifecycle event a state-changing verb stands for, with the incident it names (if any).
    func lifecycleEvent(for parsed: ParsedCommand) -> (IncidentID?, LifecycleEvent)? {
        switch parsed {
        case .ack(let id): (id, .acknowledge)
        case .update(let id, let text): (id, .update(text))
        case .note(let id, let text): (id, .note(text))
        case .assign(let id, let role, let user): config.person(matching: user).map { (id, .assign(role, person: $0.id)) }
        case .escalate(let id, let reason): (id, .escalateRequest(reason: reason))
        case .mitigate(let id, let text): (id, .mitigate(text))
        case .resolve(let id, let summary): (id, .resolve(summary))
        case .close(let id): (id, .close)
        default: nil
        }
    }

    /// Writes a drill or change record once per delivery.
    func recordOnce(
        _ reply: String,
        _ command: ChatCommand,
        now: Date,
        deliveryKey: String?,
        write: @escaping @Sendable (any IncidentTransaction) throws -> Void
    ) async throws -> CommandOutcome {
        let dup = try await store.write { tx -> Bool in
            if let key = deliveryKey, try !tx.recordInbound(key: key, at: now) { return true }
            try write(tx)
            return false
        }
        return CommandOutcome(reply: dup ? duplicateReply(command) : reply, duplicate: dup)
    }

    /// Opens an incident: its record, RACI, timers, posts and pages in one transaction.
    func declare(
        type: String,
        severity: String?,
        title: String,
        command: ChatCommand,
        actor: String,
        now: Date,
        deliveryKey: String?
    ) async throws -> CommandOutcome {
        let lifecycle = self.lifecycle
        let tz = LocalTime(config.timeZone)
        let outgoing = self.outgoing
        let result = try await store.write { tx -> (IncidentID?, Bool) in
            if let key = deliveryKey, try !tx.recordInbound(key: key, at: now) { return (nil, true) }
            let day = tz.dayStamp(now)
            let id = IncidentID.make(day: day, sequence: try tx.nextIncidentSequence(day: day))
            var lifecycle = lifecycle
            lifecycle.overrides = try tx.overridesInForce(lifecycle.config, at: now)
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
            try Self.commit(fx, tx: tx, now: now, outgoing: outgoing)
            return (id, false)
        }
        if result.1 { return CommandOutcome(reply: duplicateReply(command), duplicate: true) }
        onCommit()
        let id = result.0!
        let reply = renderer.reply(.declared, fields: ["id": id.rawValue], for: command.platform)
        return CommandOutcome(reply: reply, incidentID: id)
    }

    func duplicateReply(_ command: ChatCommand) -> String {
        renderer.reply(.duplicate, fields: [:], for: command.platform)
    }

    func transition(
        _ event: LifecycleEvent,
        action: AuthorizationPolicy.Action,
        id: IncidentID?,
        command: ChatCommand,
        person: BridgeConfiguration.Person?,
        actor: String,
        now: Date,
        deliveryKey: String?
    ) async throws -> CommandOutcome {
        let lifecycle = self.lifecycle
        let outgoing = self.outgoing
        let config = self.config
        let channels = outgoing.channels
        let result = try await store.write { tx -> (IncidentID?, Bool) in
            if let key = deliveryKey, try !tx.recordInbound(key: key, at: now) { return (nil, true) }
            let current = try Self.target(id, origin: command.origin, reader: tx, channels: channels)
            try Self.authorize(
                action,
                on: current,
                command: command,
                person: person,
                actor: actor,
                config: config,
                channels: channels
            )
            let fx = try lifecycle.apply(event, to: current, actor: actor, at: now).get()
            if fx.incident != current { try tx.update(fx.incident) }  // a note leaves the record as it was
            try Self.commit(fx, tx: tx, now: now, outgoing: outgoing)
            return (current.id, false)
        }
        if result.1 { return CommandOutcome(reply: duplicateReply(command), duplicate: true) }
        onCommit()
        let incID = result.0!
        let kind: ReplyKind =
            switch event {
            case .acknowledge: .acknowledged
            case .update: .updated
            case .note: .noted
            case .assign: .assigned
            case .escalateRequest: .escalationRequested
            case .mitigate: .mitigated
            case .resolve: .resolved
            case .close: .closed
            }
        let reply = renderer.reply(kind, fields: ["id": incID.rawValue], for: command.platform)
        return CommandOutcome(reply: reply, incidentID: incID)
    }

    /// Finds the incident a command is about: the named one, or the only open incident whose channel this is.
    /// Outside an incident's channel an id is always needed, even when one incident is open anywhere.
    public static func target(
        _ id: IncidentID?,
        origin: Destination,
        reader: any IncidentReader,
        channels: any ChannelDirectory
    ) throws -> Incident {
        if let id {
            guard let inc = try reader.incident(id) else {
                throw Refusal(.input, .noIncident, ["id": id.rawValue])
            }
            return inc
        }
        let here = try reader.openIncidents().filter { channels.isChannel(origin, of: $0) }
        if here.count == 1 { return here[0] }
        if here.isEmpty {
            throw Refusal(.input, .noOpenIncidentHere)
        }
        let ids = here.map(\.id.rawValue).joined(separator: ", ")
        throw Refusal(.input, .severalOpenHere, ["count": String(here.count), "ids": ids])
    }
}
