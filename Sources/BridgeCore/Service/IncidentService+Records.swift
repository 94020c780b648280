import Foundation

/// `drill` and `change`: records for the readiness review and the change-success KPI, written once per delivery.
extension IncidentService {
    /// Records a drill or a change outcome.
    func record(
        _ parsed: ParsedCommand,
        command: ChatCommand,
        actor: String,
        now: Date,
        deliveryKey: String?
    ) async throws -> CommandOutcome {
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
        default:
            throw Refusal(.input, .nothingToDo)
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
}
