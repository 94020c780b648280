import Foundation

/// An incident id such as `INC-20261126-001`.
public struct IncidentID: Sendable, Hashable, Codable, Comparable, CustomStringConvertible, RawRepresentable {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ raw: String) { self.rawValue = raw }
    public var description: String { rawValue }
    public static func < (l: IncidentID, r: IncidentID) -> Bool { l.rawValue < r.rawValue }

    /// Builds the id for the `sequence`-th incident of a local day `yyyymmdd`.
    public static func make(day: String, sequence: Int) -> IncidentID {
        let n = String(sequence)
        return IncidentID("INC-\(day)-\(String(repeating: "0", count: max(0, 3 - n.count)))\(n)")
    }

    /// True when `text` has the shape of an incident id (case-insensitive `INC-YYYYMMDD-NNN`).
    public static func looksLikeID(_ text: String) -> Bool {
        let u = text.uppercased()
        guard u.hasPrefix("INC-") else { return false }
        let parts = u.split(separator: "-")
        return parts.count == 3 && parts[1].count == 8 && parts[1].allSatisfy(\.isNumber)
            && parts[2].count >= 3 && parts[2].allSatisfy(\.isNumber)
    }
}

/// Lifecycle states of an incident.
public enum IncidentState: String, Sendable, Codable, CaseIterable {
    case declared, acknowledged, mitigated, resolved, closed

    /// True until the incident is resolved or closed.
    public var isOpen: Bool { self == .declared || self == .acknowledged || self == .mitigated }
}

/// Where a post goes: a platform and a channel/room on it.
public struct Destination: Sendable, Hashable, Codable, CustomStringConvertible {
    public var platform: String
    public var channel: String
    public init(platform: String, channel: String) {
        self.platform = platform
        self.channel = channel
    }
    public static let console = Destination(platform: "console", channel: "console")
    public var description: String { "\(platform):\(channel)" }
}

/// The incident record.
public struct Incident: Sendable, Codable, Equatable {
    public var id: IncidentID
    public var eventType: String
    public var severity: String
    public var title: String
    public var state: IncidentState
    public var declaredAt: Date
    public var declaredBy: String
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?
    public var firstResponseAt: Date?
    public var mitigatedAt: Date?
    public var resolvedAt: Date?
    public var closedAt: Date?
    public var lastUpdateAt: Date?
    public var summary: String?
    /// Person ids holding R and A for this incident (from the RACI store, changed by `assign`).
    public var responsible: [String]
    public var accountable: [String]
    public var consulted: [String]
    public var informed: [String]
    /// Incident-specific roles set by `assign` (commander, comms, scribe) -> person id.
    public var assignments: [String: String]
    /// Where the incident was declared; replies default there.
    public var origin: Destination
    /// Index of the escalation step currently notified (0 = first step), and how many restarts happened.
    public var escalationStep: Int
    public var escalationRound: Int
    /// Name of the maintenance window the incident was declared in, if any.
    public var maintenanceWindow: String?
    /// Alert group key for incidents opened by an alert.
    public var alertGroupKey: String?

    public init(
        id: IncidentID,
        eventType: String,
        severity: String,
        title: String,
        state: IncidentState = .declared,
        declaredAt: Date,
        declaredBy: String,
        responsible: [String] = [],
        accountable: [String] = [],
        consulted: [String] = [],
        informed: [String] = [],
        assignments: [String: String] = [:],
        origin: Destination = .console
    ) {
        self.id = id
        self.eventType = eventType
        self.severity = severity
        self.title = title
        self.state = state
        self.declaredAt = declaredAt
        self.declaredBy = declaredBy
        self.responsible = responsible
        self.accountable = accountable
        self.consulted = consulted
        self.informed = informed
        self.assignments = assignments
        self.origin = origin
        self.escalationStep = 0
        self.escalationRound = 0
    }
}

/// Kinds of timeline entries.
public enum TimelineKind: String, Sendable, Codable, CaseIterable {
    case declared, acknowledged, update, note, assigned
    case escalationRequested = "escalation_requested"
    case escalated, mitigated, resolved, closed
    case slaWarning = "sla_warning"
    case slaBreach = "sla_breach"
    case reminder, page, alert, maintenance, delivery
}

/// One line of an incident's timeline.
public struct TimelineEntry: Sendable, Codable, Equatable {
    public var id: Int64?
    public var incidentID: IncidentID
    public var at: Date
    public var actor: String
    public var kind: TimelineKind
    public var text: String
    public init(id: Int64? = nil, incidentID: IncidentID, at: Date, actor: String, kind: TimelineKind, text: String) {
        self.id = id
        self.incidentID = incidentID
        self.at = at
        self.actor = actor
        self.kind = kind
        self.text = text
    }
}

/// What a timer does when it fires.
public enum TimerKind: String, Sendable, Codable, CaseIterable {
    /// Escalate to step `step` of the policy (round `round`).
    case escalation
    /// Warn R that an SLA clock reached `fraction` of its target.
    case slaWarning = "sla_warning"
    /// Tell A that an SLA clock breached.
    case slaBreach = "sla_breach"
    /// Remind R that no status update was posted within `update_every`.
    case updateReminder = "update_reminder"
}

/// The two SLA clocks of an incident.
public enum SLAClock: String, Sendable, Codable, CaseIterable {
    case firstResponse = "first_response"
    case restore
}

/// A timer row: due at `dueAt`, fires exactly once.
public struct IncidentTimer: Sendable, Codable, Equatable {
    public var id: Int64?
    public var incidentID: IncidentID
    public var kind: TimerKind
    /// Escalation step index, or nil.
    public var step: Int?
    public var round: Int?
    public var clock: SLAClock?
    public var fraction: Double?
    public var dueAt: Date
    public var firedAt: Date?
    public var cancelledAt: Date?
    public init(
        id: Int64? = nil,
        incidentID: IncidentID,
        kind: TimerKind,
        step: Int? = nil,
        round: Int? = nil,
        clock: SLAClock? = nil,
        fraction: Double? = nil,
        dueAt: Date
    ) {
        self.id = id
        self.incidentID = incidentID
        self.kind = kind
        self.step = step
        self.round = round
        self.clock = clock
        self.fraction = fraction
        self.dueAt = dueAt
    }
}

/// A post waiting in the outbox for a chat platform or pager.
public struct OutboxMessage: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case pending, sending, sent, failed }
    public var id: Int64?
    public var incidentID: IncidentID?
    public var destination: Destination
    /// The post kind (template name) for adapters that format differently (buttons on declare).
    public var kind: String
    public var text: String
    /// Person ids mentioned in the post, for adapters that build native mentions.
    public var mentions: [String]
    public var status: Status
    public var attempts: Int
    public var createdAt: Date
    public var nextAttemptAt: Date
    public var lastError: String?
    public var sentAt: Date?
    public init(
        id: Int64? = nil,
        incidentID: IncidentID?,
        destination: Destination,
        kind: String,
        text: String,
        mentions: [String] = [],
        createdAt: Date
    ) {
        self.id = id
        self.incidentID = incidentID
        self.destination = destination
        self.kind = kind
        self.text = text
        self.mentions = mentions
        self.status = .pending
        self.attempts = 0
        self.createdAt = createdAt
        self.nextAttemptAt = createdAt
    }
}
