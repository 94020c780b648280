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
        switch parsed.family {
        case .query:
            return try await query(parsed, command: command, person: person, actor: actor, now: now)
        case .onCall:
            return try await onCall(parsed, command: command, actor: actor, now: now)
        case .record:
            return try await record(parsed, command: command, actor: actor, now: now, deliveryKey: deliveryKey)
        case .declare:
            return try await declare(parsed, command: command, actor: actor, now: now, deliveryKey: deliveryKey)
        case .lifecycle:
            return try await lifecycle(
                parsed,
                command: command,
                person: person,
                actor: actor,
                now: now,
                deliveryKey: deliveryKey
            )
        }
    }

    func duplicateReply(_ command: ChatCommand) -> String {
        renderer.reply(.duplicate, fields: [:], for: command.platform)
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
