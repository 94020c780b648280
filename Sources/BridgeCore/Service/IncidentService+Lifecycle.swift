import Foundation

/// The verbs that move one incident through its lifecycle (ack, update, note, assign, escalate, mitigate, resolve,
/// close): one lifecycle event, authorized once the incident is known, committed with its effects.
extension IncidentService {
    /// Applies a lifecycle verb to the incident it names (or the one open in this channel).
    func lifecycle(
        _ parsed: ParsedCommand,
        command: ChatCommand,
        person: BridgeConfiguration.Person?,
        actor: String,
        now: Date,
        deliveryKey: String?
    ) async throws -> CommandOutcome {
        if case .assign(_, _, let user) = parsed, config.person(matching: user) == nil {
            throw Refusal(.input, .unknownPersonAssign, ["user": user], usage: Verb.assign.usage)
        }
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
}
