import Foundation

/// `declare`: opens an incident.
extension IncidentService {
    /// Opens an incident: its record, RACI, timers, posts and pages in one transaction.
    func declare(
        _ parsed: ParsedCommand,
        command: ChatCommand,
        actor: String,
        now: Date,
        deliveryKey: String?
    ) async throws -> CommandOutcome {
        guard case .declare(let type, let severity, let title) = parsed else { throw Refusal(.input, .nothingToDo) }
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
}
