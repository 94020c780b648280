import Foundation

/// A chat message addressed to the bot, as every adapter hands it to the core.
public struct ChatCommand: Sendable, Equatable {
    /// `console`, `slack`, `mattermost`, `matrix`, `teams`, `alertmanager`.
    public var platform: String
    public var channel: String
    /// The platform's user handle (Slack user id, Matrix id, console person id, ...).
    public var user: String
    public var text: String
    /// Platform reference to answer to (thread ts, event id), if any.
    public var replyTo: String?
    /// True when only the sender sees the reply (Slack and Mattermost slash commands answer ephemerally, the
    /// console is one person); false for replies posted in the channel (Matrix, Teams, Mattermost over its
    /// WebSocket). Decides whether R/A may see another channel's incident here.
    public var privateReply: Bool
    /// False when the adapter left `privateReply` to the platform's traits (`BridgeConfiguration.resolvingPrivacy`).
    public var privacyStated: Bool
    public init(
        platform: String,
        channel: String,
        user: String,
        text: String,
        replyTo: String? = nil,
        privateReply: Bool? = nil
    ) {
        self.platform = platform
        self.channel = channel
        self.user = user
        self.text = text
        self.replyTo = replyTo
        self.privateReply = privateReply ?? false
        self.privacyStated = privateReply != nil
    }
    public var origin: Destination { Destination(platform: platform, channel: channel) }
}

/// The verbs of the command grammar.
public enum Verb: String, Sendable, CaseIterable {
    case declare, ack, update, note, assign, escalate, mitigate, resolve, close, show, list, timeline, raci, runbook
    case kpi, drill, change, help, oncall

    /// Japanese aliases accepted for each verb.
    public var aliases: [String] {
        switch self {
        case .declare: ["宣言"]
        case .ack: ["了解", "確認"]
        case .update: ["更新"]
        case .note: ["メモ"]
        case .assign: ["担当"]
        case .escalate: ["エスカレ", "エスカレーション"]
        case .mitigate: ["暫定復旧"]
        case .resolve: ["復旧"]
        case .close: ["クローズ", "終了"]
        case .show: ["表示"]
        case .list: ["一覧"]
        case .timeline: ["タイムライン"]
        case .raci: []
        case .runbook: ["手順書"]
        case .kpi: []
        case .drill: ["訓練"]
        case .change: ["変更"]
        case .help: ["ヘルプ"]
        case .oncall: ["当番"]
        }
    }

    /// One-line usage of the verb.
    public var usage: String {
        switch self {
        case .declare: "/incident declare <event-type> [sev1..sev4] <title>"
        case .ack: "/incident ack [INC]"
        case .update: "/incident update [INC] <status text>"
        case .note: "/incident note [INC] <text>"
        case .assign: "/incident assign [INC] <commander|R|A|comms|scribe> <@user>"
        case .escalate: "/incident escalate [INC] [reason]"
        case .mitigate: "/incident mitigate [INC] [text]"
        case .resolve: "/incident resolve [INC] <summary>"
        case .close: "/incident close [INC]"
        case .show: "/incident show [INC]"
        case .list: "/incident list"
        case .timeline: "/incident timeline [INC] [md|json|csv]"
        case .raci: "/incident raci <event-type>"
        case .runbook: "/incident runbook <event-type|name>"
        case .kpi: "/incident kpi [30d]"
        case .drill: "/incident drill restore|recovery-dry-run|contact-tree <result> [minutes]"
        case .change: "/incident change <name> success|failed"
        case .help: "/incident help"
        case .oncall:
            "/incident oncall [schedule|role] (or /oncall) · oncall override <schedule> @person <from> <until> [reason] · "
                + "oncall overrides [schedule] · oncall cancel <id> (times: 2026-12-24 18:00, today 18:00, tomorrow 09:00)"
        }
    }

    static let lookup: [String: Verb] = {
        var m: [String: Verb] = [:]
        for v in Verb.allCases {
            m[v.rawValue] = v
            for a in v.aliases { m[a] = v }
        }
        return m
    }()
}

/// Incident-level roles that `assign` sets.
public enum AssignableRole: String, Sendable, CaseIterable {
    case commander
    case responsible = "R"
    case accountable = "A"
    case comms, scribe

    static func parse(_ s: String) -> AssignableRole? {
        switch s.lowercased() {
        case "commander", "ic", "指揮", "指揮者": .commander
        case "r", "responsible", "実行責任者": .responsible
        case "a", "accountable", "説明責任者", "最終責任者": .accountable
        case "comms", "communication", "広報": .comms
        case "scribe", "記録", "書記": .scribe
        default: nil
        }
    }
}

/// Export formats of a timeline.
public enum ExportFormat: String, Sendable, CaseIterable { case md, json, csv }

/// Drill kinds recorded for the readiness review.
public enum DrillKind: String, Sendable, CaseIterable {
    case restore
    case recoveryDryRun = "recovery-dry-run"
    case contactTree = "contact-tree"
}

/// A command after parsing: what the user asked for, not yet checked against the store or config.
/// Verb families, each answered by one file of `IncidentService` (`+Queries`, `+OnCall`, `+Records`, `+Declare`,
/// `+Lifecycle`).
public enum VerbFamily: Sendable, Equatable {
    /// Read-only verbs answered from the store.
    case query
    /// Who is on call, and overrides.
    case onCall
    /// Drill and change records.
    case record
    /// Opening an incident.
    case declare
    /// One lifecycle event on an existing incident.
    case lifecycle
}

public enum ParsedCommand: Sendable, Equatable {
    case declare(eventType: String, severity: String?, title: String)
    case ack(IncidentID?)
    case update(IncidentID?, text: String)
    case note(IncidentID?, text: String)
    case assign(IncidentID?, role: AssignableRole, user: String)
    case escalate(IncidentID?, reason: String?)
    case mitigate(IncidentID?, text: String?)
    case resolve(IncidentID?, summary: String)
    case close(IncidentID?)
    case show(IncidentID?)
    case list
    case timeline(IncidentID?, format: ExportFormat)
    case raci(eventType: String)
    case runbook(name: String)
    case kpi(window: BridgeDuration?)
    case drill(kind: DrillKind, result: String, minutes: Int?)
    case change(name: String, success: Bool)
    case help
    /// `/oncall [schedule|role]`: who is on call now, until when, and who is next.
    case oncall(String?)
    /// `/oncall override <schedule> @person <from> <until> [reason]`; times as typed, resolved in the schedule's zone.
    case oncallOverride(schedule: String, user: String, from: String, until: String, reason: String?)
    /// `/oncall overrides [schedule]`.
    case oncallOverrides(String?)
    /// `/oncall cancel <id>`.
    case oncallCancel(Int64)

    /// The family of verbs the command belongs to; `IncidentService.apply` hands each family to its own file.
    public var family: VerbFamily {
        switch self {
        case .show, .list, .timeline, .raci, .runbook, .kpi, .help: .query
        case .oncall, .oncallOverride, .oncallOverrides, .oncallCancel: .onCall
        case .drill, .change: .record
        case .declare: .declare
        case .ack, .update, .note, .assign, .escalate, .mitigate, .resolve, .close: .lifecycle
        }
    }

    /// The incident the command names, if it names one.
    public var incidentID: IncidentID? {
        switch self {
        case .ack(let i), .close(let i), .show(let i): i
        case .update(let i, _), .note(let i, _), .assign(let i, _, _), .escalate(let i, _), .mitigate(let i, _),
            .resolve(let i, _), .timeline(let i, _):
            i
        default: nil
        }
    }
}

/// A parse failure: a refusal of kind `input` with the usage of the verb (or the verb list).
public typealias CommandError = Refusal
