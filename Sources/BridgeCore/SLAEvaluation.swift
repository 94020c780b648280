import Foundation

/// The state of one SLA clock of an incident: running, met or missed.
public struct ClockResult: Sendable, Equatable {
    public enum Status: String, Sendable, Codable { case running, met, missed }
    public var clock: SLAClock
    public var target: BridgeDuration
    /// Time from declaration until the clock stopped (or until now while running).
    public var elapsed: BridgeDuration
    public var status: Status
    public var deadline: Date

    /// Evaluates both clocks of `incident` against its severity's targets.
    public static func evaluate(_ incident: Incident, config: BridgeConfiguration, now: Date) -> [ClockResult] {
        guard let sev = config.severities[incident.severity] else { return [] }
        let restoredAt = [incident.mitigatedAt, incident.resolvedAt].compactMap { $0 }.min()
        return [
            (SLAClock.firstResponse, sev.firstResponse, incident.firstResponseAt),
            (SLAClock.restore, sev.restore, restoredAt),
        ].map { clock, target, stop in
            let deadline = incident.declaredAt.addingTimeInterval(target.timeInterval)
            if let stop {
                let elapsed = BridgeDuration.between(incident.declaredAt, stop)
                return ClockResult(
                    clock: clock,
                    target: target,
                    elapsed: elapsed,
                    status: elapsed <= target ? .met : .missed,
                    deadline: deadline
                )
            }
            let elapsed = BridgeDuration.between(incident.declaredAt, now)
            return ClockResult(
                clock: clock,
                target: target,
                elapsed: elapsed,
                status: elapsed > target ? .missed : .running,
                deadline: deadline
            )
        }
    }
}
