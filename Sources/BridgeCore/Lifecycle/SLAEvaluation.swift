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
        evaluate(IncidentTimes(incident), config: config, now: now)
    }

    /// Evaluates both clocks of an incident's moments against its severity's targets.
    public static func evaluate(_ incident: IncidentTimes, config: BridgeConfiguration, now: Date) -> [ClockResult] {
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

/// What the SLA clocks and the KPIs need of an incident: its severity, state and the moments of its life. A
/// store reads these without decoding whole records (`kpi` over years of incidents).
public struct IncidentTimes: Sendable, Equatable {
    public var severity: String
    public var state: IncidentState
    public var declaredAt: Date
    public var acknowledgedAt: Date?
    public var firstResponseAt: Date?
    public var mitigatedAt: Date?
    public var resolvedAt: Date?

    public init(
        severity: String,
        state: IncidentState,
        declaredAt: Date,
        acknowledgedAt: Date?,
        firstResponseAt: Date?,
        mitigatedAt: Date?,
        resolvedAt: Date?
    ) {
        self.severity = severity
        self.state = state
        self.declaredAt = declaredAt
        self.acknowledgedAt = acknowledgedAt
        self.firstResponseAt = firstResponseAt
        self.mitigatedAt = mitigatedAt
        self.resolvedAt = resolvedAt
    }

    public init(_ i: Incident) {
        self.init(
            severity: i.severity,
            state: i.state,
            declaredAt: i.declaredAt,
            acknowledgedAt: i.acknowledgedAt,
            firstResponseAt: i.firstResponseAt,
            mitigatedAt: i.mitigatedAt,
            resolvedAt: i.resolvedAt
        )
    }
}
