import Foundation

/// Who is asking, and whether they may: the actor is the person whose stable platform id sent the command;
/// the policy (`authorization:`) decides per verb, the incident's channels decide where its verbs act.
extension IncidentService {
    /// The person behind a command, by the platform's stable user id only (display names and e-mail never count).
    public func person(for command: ChatCommand) -> BridgeConfiguration.Person? {
        config.person(platform: command.platform, userID: command.user)
    }

    /// The actor recorded in the timeline: the person id, or `platform:user-id` for people not in the config.
    public func actor(for command: ChatCommand) -> String {
        if let p = person(for: command) { return p.id }
        return config.traits(command.platform)?.identity == .personID ? command.user : "\(command.platform):\(command.user)"
    }

    var authorizer: Authorizer { Authorizer(config: config) }

    /// The check that needs no incident: people- and role-based rules, and where people outside `people` may
    /// read. Rules naming the incident's R/A/commander are checked once the incident is known.
    func authorizeUpfront(
        _ parsed: ParsedCommand,
        command: ChatCommand,
        person: BridgeConfiguration.Person?,
        actor: String
    ) async throws {
        let action = AuthorizationPolicy.Action(parsed)
        if action == .help { return }
        // Only people outside the config depend on the channel; they are asked about only where it matters.
        let inIncidentChannel = person == nil ? try await isIncidentChannel(command.origin) : false
        if action.readOnly, person == nil, !inIncidentChannel {
            throw Refusal.forbidden(action, actor: actor, .authReadOnlyOutside, ["verb": action.rawValue])
        }
        // A refusal names who may only to whoever could read `raci` here.
        let naming = authorizer.mayReadRACI(person: person, incident: nil, inIncidentChannel: inIncidentChannel)
        // People outside the config get nothing but what `anyone` may do, before any lookup (no probing).
        let grants = config.authorization.grants(action, config: config)
        if person == nil, !grants.contains(.anyone),
            let refusal = authorizer.check(action, person: nil, actor: actor, incident: nil, naming: naming)
        {
            throw refusal
        }
        // Verbs on one incident are checked once it is known (`authorize(_:on:...)`).
        if Self.targetsIncident(action) { return }
        if let refusal = authorizer.check(action, person: person, actor: actor, incident: nil, naming: naming) {
            throw refusal
        }
    }

    /// Platforms whose replies only the sender sees (ephemeral in Slack and Mattermost; the console's terminal).

    /// Verbs that act on (or show) one incident.
    static func targetsIncident(_ action: AuthorizationPolicy.Action) -> Bool {
        switch action {
        case .ack, .update, .note, .assign, .assignAccountable, .assignResponsible, .escalate, .mitigate, .resolve,
            .close, .show, .timeline:
            true
        default: false
        }
    }

    /// A configured incident channel, or the channel of an open incident.
    func isIncidentChannel(_ origin: Destination) async throws -> Bool {
        if outgoing.channels.isConfigured(origin) { return true }
        let channels = outgoing.channels
        return try await store.read { r in try r.openIncidents().contains { channels.isChannel(origin, of: $0) } }
    }

    /// The check once the incident is known: the verb's rule, and for `show`/`timeline` the channel (the
    /// incident's own, a configured one) unless the actor is its R, A or commander.
    static func authorize(
        _ action: AuthorizationPolicy.Action,
        on incident: Incident,
        command: ChatCommand,
        person: BridgeConfiguration.Person?,
        actor: String,
        config: BridgeConfiguration,
        channels: any ChannelDirectory
    ) throws {
        let authorizer = Authorizer(config: config)
        let naming = authorizer.mayReadRACI(
            person: person,
            incident: incident,
            inIncidentChannel: channels.isConfigured(command.origin) || channels.isChannel(command.origin, of: incident)
        )
        if let refusal = authorizer.check(action, person: person, actor: actor, incident: incident, naming: naming) {
            throw refusal
        }
        guard action == .show || action == .timeline, !channels.isChannel(command.origin, of: incident) else { return }
        // Its R, A or commander may read it anywhere, where the answer is private (Teams and Matrix answer in
        // the channel for everyone to read).
        if command.privateReply, authorizer.allows(.responders, person: person, incident: incident) {
            return
        }
        throw Refusal.forbidden(action, actor: actor, .authShownInChannel, ["id": incident.id.rawValue])
    }
}
