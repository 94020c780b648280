import Foundation

/// Kinds of bot posts; each has a template `Templates/<locale>/<rawValue>.mustache`.
public enum PostKind: String, Sendable, Codable, CaseIterable {
    case declare, ack, update, note, assign
    case escalateRequest = "escalate_request"
    case escalated, mitigate, resolve, close
    case slaWarning = "sla_warning"
    case slaBreach = "sla_breach"
    case reminder
    case show, list, raci, runbook, help, error, info
    /// An on-call hand-off (`schedules.<id>.announce`).
    case handoff
}

/// A post to render: the template kind, the incident snapshot and the extra fields the template uses.
public struct Post: Sendable, Equatable {
    public var kind: PostKind
    public var incident: Incident?
    /// Person id or handle of whoever caused the post ("bot" for timers).
    public var actor: String
    public var text: String?
    /// Person ids the post mentions (R, A, the step's people, ...).
    public var mentions: [String]
    /// Extra template fields (step role names, clock names, lateness ...).
    public var fields: [String: String]
    public init(
        kind: PostKind,
        incident: Incident?,
        actor: String,
        text: String? = nil,
        mentions: [String] = [],
        fields: [String: String] = [:]
    ) {
        self.kind = kind
        self.incident = incident
        self.actor = actor
        self.text = text
        self.mentions = mentions
        self.fields = fields
    }
}

/// The bot's one-line answers to the sender of a command; each has a template
/// `Templates/<locale>/replies/<rawValue>.mustache`.
public enum ReplyKind: String, Sendable, CaseIterable {
    case declared, acknowledged, updated, noted, assigned
    case escalationRequested = "escalation_requested"
    case mitigated, resolved, closed
    case drillRecorded = "drill_recorded"
    case drillRecordedMinutes = "drill_recorded_minutes"
    case changeSucceeded = "change_succeeded"
    case changeFailed = "change_failed"
    case duplicate
    case internalError = "internal_error"
}

/// Renders posts for a destination platform (mention syntax and escaping differ per platform).
public protocol PostRenderer: Sendable {
    /// The text of `post` as it should appear on `platform`.
    func render(_ post: Post, for platform: String) -> String
    /// A reply to the sender on `platform`; `fields` are escaped for it.
    func reply(_ kind: ReplyKind, fields: [String: String], for platform: String) -> String
    /// `text` escaped for `platform` (error lines and rows that echo what a person typed).
    func escape(_ text: String, for platform: String) -> String
}
