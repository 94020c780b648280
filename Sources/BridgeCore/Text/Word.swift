/// The id of one sentence or label users see. The text of every id lives in `Templates/<locale>/words.yaml`
/// (loaded at start and handed to the core in `BridgeConfiguration.words`); a translator edits that file, not Swift.
public enum Word: String, CaseIterable, Sendable, Codable {
    // Refusals of the command grammar (kind: input).
    case parseNoCommand = "parse.no_command"
    case parseUnknownCommand = "parse.unknown_command"
    case parseMissingEventType = "parse.missing_event_type"
    case parseMissingTitle = "parse.missing_title"
    case parseUnexpectedText = "parse.unexpected_text"
    case parseMissingSummary = "parse.missing_summary"
    case parseMissingText = "parse.missing_text"
    case parseRoleAndUser = "parse.role_and_user"
    case parseUnknownRole = "parse.unknown_role"
    case parseUnknownFormat = "parse.unknown_format"
    case parseOneEventType = "parse.one_event_type"
    case parseEventTypeOrRunbook = "parse.event_type_or_runbook"
    case parseTooManyArguments = "parse.too_many_arguments"
    case parseBadPeriod = "parse.bad_period"
    case parseDrillKindAndResult = "parse.drill_kind_and_result"
    case parseUnknownDrill = "parse.unknown_drill"
    case parseBadMinutes = "parse.bad_minutes"
    case parseChangeNameAndResult = "parse.change_name_and_result"
    case parseChangeResult = "parse.change_result"
    case parseUnclosedQuote = "parse.unclosed_quote"
    case parseOverrideArguments = "parse.override_arguments"
    case parseOverrideID = "parse.override_id"
    /// A refusal followed by the verb's usage.
    case refusalUsage = "refusal.usage"

    // Refusals of the lifecycle and the service (kind: state or input).
    case unknownEventType = "lifecycle.unknown_event_type"
    case unknownSeverity = "lifecycle.unknown_severity"
    case refusedClosed = "lifecycle.closed"
    case refusedAlreadyAcknowledged = "lifecycle.already_acknowledged"
    case refusedNothingToAcknowledge = "lifecycle.nothing_to_acknowledge"
    case refusedUpdateNotOpen = "lifecycle.update_not_open"
    case refusedEscalateNotOpen = "lifecycle.escalate_not_open"
    case refusedNoEscalationPolicy = "lifecycle.no_escalation_policy"
    case refusedCannotMitigate = "lifecycle.cannot_mitigate"
    case refusedAlreadyResolved = "lifecycle.already_resolved"
    case refusedResolveBeforeClose = "lifecycle.resolve_before_close"
    case unknownPersonAssign = "service.unknown_person_assign"
    case nothingToDo = "service.nothing_to_do"
    case noIncident = "service.no_incident"
    case noOpenIncidentHere = "service.no_open_incident_here"
    case severalOpenHere = "service.several_open_here"
    case tooManyRequests = "service.too_many_requests"
    case noRunbook = "service.no_runbook"

    // Authorization refusals (kind: forbidden) and their pieces.
    case authNotAllowed = "auth.not_allowed"
    case authNeeds = "auth.needs"
    case authOn = "auth.on"
    case authUnlisted = "auth.unlisted"
    case authGrantPeople = "auth.grant_people"
    case authGrantRole = "auth.grant_role"
    case authGrantResponders = "auth.grant_responders"
    case authGrantDeciders = "auth.grant_deciders"
    case authGrantSeparator = "auth.grant_separator"
    case authReadOnlyOutside = "auth.read_only_outside"
    case authShownInChannel = "auth.shown_in_channel"
    case authOverridesListed = "auth.overrides_listed"
    case authOverrideMembers = "auth.override_members"

    // Replies of the read verbs.
    case listMore = "reply.list_more"
    case noOpenIncidents = "reply.no_open_incidents"
    case busy = "reply.busy"
    case poisoned = "reply.poisoned"

    // On call.
    case oncallNoOverrides = "oncall.no_overrides"
    case oncallUnknownPerson = "oncall.unknown_person"
    case oncallNotInSchedule = "oncall.not_in_schedule"
    case oncallBadTime = "oncall.bad_time"
    case oncallOverrideOrder = "oncall.override_order"
    case oncallOverrideTooLong = "oncall.override_too_long"
    case oncallOverrideSet = "oncall.override_set"
    case oncallNoOverride = "oncall.no_override"
    case oncallOverrideCancelled = "oncall.override_cancelled"
    case oncallUnknownSchedule = "oncall.unknown_schedule"
    case oncallNoSchedules = "oncall.no_schedules"
    case oncallRoleWithoutSchedule = "oncall.role_without_schedule"
    case oncallNobody = "oncall.nobody"
    case oncallOverrideSource = "oncall.override_source"
    case oncallUntil = "oncall.until"
    case oncallNext = "oncall.next"
    case oncallNobodyNote = "oncall.nobody_note"

    // Timeline entries.
    case entryDeclared = "timeline.declared"
    case entryMaintenance = "timeline.maintenance"
    case entryAcknowledged = "timeline.acknowledged"
    case entryAssigned = "timeline.assigned"
    case entryEscalationRequested = "timeline.escalation_requested"
    case entryMitigated = "timeline.mitigated"
    case entryClosed = "timeline.closed"
    case entryAlertsFiring = "timeline.alerts_firing"
    case entryAlertsNew = "timeline.alerts_new"
    case entryAlertsStillFiring = "timeline.alerts_still_firing"
    case entryAlertsResolved = "timeline.alerts_resolved"
    case entryAlertsResolvedMitigated = "timeline.alerts_resolved_mitigated"
    case entryAlertDeclared = "timeline.alert_declared"
    case entryNotPaged = "timeline.not_paged"
    case entryFiredLate = "timeline.fired_late"
    case entryEscalationExhausted = "timeline.escalation_exhausted"
    case entryEscalated = "timeline.escalated"
    case entryRound = "timeline.round"
    case reasonNotAcknowledged = "timeline.reason_not_acknowledged"
    case reasonOnRequest = "timeline.reason_on_request"
    case entrySLABreached = "timeline.sla_breached"
    case entrySLAWarning = "timeline.sla_warning"
    case entryReminder = "timeline.reminder"

    // Delivery entries of the timeline (pages queued, delivered or failed; stale posts dropped).
    case deliveryQueued = "delivery.queued"
    case deliveryQueuedTo = "delivery.queued_to"
    case deliveryPage = "delivery.page"
    case deliveryPageTo = "delivery.page_to"
    case deliveryDelivered = "delivery.delivered"
    case deliveryFailed = "delivery.failed"
    case deliveryDropped = "delivery.dropped"

    // Shared labels.
    case clockFirstResponse = "label.clock_first_response"
    case clockRestore = "label.clock_restore"
    case roleSeparator = "label.role_separator"
    case peopleSeparator = "label.people_separator"
    case stateDeclared = "label.state_declared"
    case stateAcknowledged = "label.state_acknowledged"
    case stateMitigated = "label.state_mitigated"
    case stateResolved = "label.state_resolved"
    case stateClosed = "label.state_closed"
    case statusRunning = "label.status_running"
    case statusMet = "label.status_met"
    case statusMissed = "label.status_missed"

    // The incident pages.
    case pageBreached = "page.sla_breached"
    case pageLeft = "page.sla_left"
    case pageMissed = "page.sla_missed"
    case pageTimelineMore = "page.timeline_more"
    case pageListTitle = "page.list_title"
    case pageOpen = "page.open"
    case pageRecent = "page.recent"
    case pageNoOpen = "page.no_open"
    case pageNoRecent = "page.no_recent"
    case pageID = "page.id"
    case pageSeverity = "page.severity"
    case pageState = "page.state"
    case pageTitle = "page.title"
    case pageResponsible = "page.responsible"
    case pageAccountable = "page.accountable"
    case pageConsulted = "page.consulted"
    case pageInformed = "page.informed"
    case pageSLALeft = "page.sla_left_header"
    case pageDeclared = "page.declared"
    case pageAcknowledged = "page.acknowledged"
    case pageMitigated = "page.mitigated"
    case pageResolved = "page.resolved"
    case pageClosed = "page.closed"
    case pageResolution = "page.resolution"
    case pageMaintenance = "page.maintenance"
    case pageBridge = "page.bridge"
    case pageEventType = "page.event_type"
    case pageSummary = "page.summary"
    case pagePeople = "page.people"
    case pageClocks = "page.clocks"
    case pageClock = "page.clock"
    case pageTarget = "page.target"
    case pageElapsed = "page.elapsed"
    case pageResult = "page.result"
    case pageDeadline = "page.deadline"
    case pageTimeline = "page.timeline"
    case pageTime = "page.time"
    case pageActor = "page.actor"
    case pageKind = "page.kind"
    case pageText = "page.text"
    case pageNoTimeline = "page.no_timeline"
    case pageShowAll = "page.show_all"
    case pageRunbooks = "page.runbooks"
    case pageBack = "page.back"
    case pageGenerated = "page.generated"
    case pageTimesIn = "page.times_in"

    // The e-mail page.
    case emailSubject = "email.subject"
    case emailBody = "email.body"

    // The post-incident review (`timeline --format md`, the export).
    case reviewHead = "review.head"
    case reviewNoSummary = "review.no_summary"
    case reviewSLAHeading = "review.sla_heading"
    case reviewSLAHeader = "review.sla_header"
    case reviewTimelineHeading = "review.timeline_heading"
    case reviewTimelineHeader = "review.timeline_header"
    case reviewFollowUpHeading = "review.follow_up_heading"

    // Chat buttons and commands a button sends.
    case buttonAck = "button.ack"
    case buttonUpdate = "button.update"
    case buttonResolve = "button.resolve"
    case resolvedFromButton = "button.resolved_from"
    case buttonUpdateHint = "button.update_hint"

    // The KPI report (`kpi` in chat and on the command line).
    case kpiHead = "kpi.head"
    case kpiIncidents = "kpi.incidents"
    case kpiTimes = "kpi.times"
    case kpiSLA = "kpi.sla"
    case kpiChanges = "kpi.changes"
    case kpiReady = "kpi.ready"
    case kpiNotReady = "kpi.not_ready"
    case kpiFailureSeparator = "kpi.failure_separator"
    case kpiOver = "kpi.over"
    case kpiShort = "kpi.short"
    case kpiMTTR = "kpi.label_mttr"
    case kpiFirstResponse = "kpi.label_first_response"
    case kpiSev1 = "kpi.label_sev1"
    case kpiChangeSuccess = "kpi.label_change_success"

    // Why an alert notification was refused (the alert route answers in English).
    case alertNotJSON = "alert.not_json"
    case alertUnsupportedVersion = "alert.unsupported_version"
    case alertUnknownStatus = "alert.unknown_status"
    case alertEmptyGroupKey = "alert.empty_group_key"
    case alertMissingField = "alert.missing_field"
    case alertWrongType = "alert.wrong_type"

    // The incident pages' answer to an unknown incident id (404, plain text).
    case pageNoSuchIncident = "page.no_such_incident"

    /// The `{{name}}` placeholders the text of this id must use, each at least once, and no other.
    public var placeholders: Set<String> {
        switch self {
        case .parseUnknownCommand: ["verb"]
        case .parseUnexpectedText: ["text"]
        case .parseUnknownRole: ["role"]
        case .parseUnknownFormat: ["format"]
        case .parseBadPeriod: ["period"]
        case .parseUnknownDrill: ["drill"]
        case .parseBadMinutes: ["minutes"]
        case .parseChangeResult: ["result"]
        case .refusalUsage: ["reason", "usage"]
        case .unknownEventType: ["type", "known"]
        case .unknownSeverity: ["severity", "known"]
        case .refusedClosed, .refusedNoEscalationPolicy: ["id"]
        case .refusedAlreadyAcknowledged: ["id", "by", "time"]
        case .refusedNothingToAcknowledge, .refusedUpdateNotOpen, .refusedEscalateNotOpen, .refusedCannotMitigate,
            .refusedAlreadyResolved, .refusedResolveBeforeClose:
            ["id", "state"]
        case .unknownPersonAssign, .oncallUnknownPerson: ["user"]
        case .noIncident: ["id"]
        case .severalOpenHere: ["count", "ids"]
        case .tooManyRequests: ["wait"]
        case .noRunbook: ["name"]
        case .authNotAllowed: ["verb", "on", "who"]
        case .authNeeds: ["verb", "on", "who", "grants"]
        case .authOn: ["id"]
        case .authUnlisted: ["actor"]
        case .authGrantRole: ["role", "names"]
        case .authReadOnlyOutside: ["verb"]
        case .authShownInChannel: ["id"]
        case .authOverrideMembers: ["schedule", "names"]
        case .listMore: ["more"]
        case .poisoned: ["ref"]
        case .oncallNotInSchedule: ["person", "schedule"]
        case .oncallOverrideSet: ["id", "person", "schedule", "from", "until"]
        case .oncallNoOverride, .oncallOverrideCancelled: ["id"]
        case .oncallUnknownSchedule: ["name", "known"]
        case .oncallRoleWithoutSchedule: ["role", "members"]
        case .oncallUntil: ["until"]
        case .oncallNext: ["next"]
        case .oncallNobodyNote: ["schedule"]
        case .entryDeclared: ["type", "severity", "title", "responsible", "accountable"]
        case .entryMaintenance: ["window"]
        case .entryAssigned: ["role", "person"]
        case .entryAlertsFiring: ["count", "alerts"]
        case .entryAlertsNew: ["new", "count", "alerts"]
        case .entryAlertsStillFiring: ["count"]
        case .entryAlertsResolved: ["alerts"]
        case .entryAlertDeclared: ["firing", "labels", "quiet"]
        case .entryFiredLate: ["late"]
        case .entryEscalated: ["roles", "reason"]
        case .entryRound: ["round"]
        case .reasonNotAcknowledged: ["within"]
        case .entrySLABreached: ["clock", "target"]
        case .entrySLAWarning: ["clock", "percent", "left"]
        case .entryReminder: ["every"]
        case .pageBreached: ["clock", "over"]
        case .pageLeft: ["clock", "left"]
        case .pageMissed: ["clock"]
        case .pageTimelineMore: ["shown", "total"]
        case .emailSubject: ["summary"]
        case .emailBody: ["name", "id", "title", "severity", "bridge"]
        case .reviewHead:
            ["id", "title", "event_type_name", "event_type", "severity", "state", "declared_at", "declared_by",
             "summary", "responsible", "accountable"]
        case .deliveryQueued: ["action", "platform"]
        case .deliveryQueuedTo: ["action", "platform", "what"]
        case .deliveryPage: ["action", "platform", "outcome"]
        case .deliveryPageTo: ["action", "platform", "people", "outcome"]
        case .deliveryFailed: ["reason"]
        case .deliveryDropped: ["kind", "destination", "late"]
        case .resolvedFromButton: ["platform"]
        case .buttonUpdateHint: ["id"]
        case .kpiHead: ["window"]
        case .kpiIncidents: ["count", "sev1"]
        case .kpiTimes: ["mtta", "mttr", "first_response"]
        case .kpiSLA: ["first_response", "restore"]
        case .kpiChanges: ["rate", "count"]
        case .kpiNotReady: ["failures"]
        case .kpiOver, .kpiShort: ["label", "actual", "target", "gap"]
        case .alertNotJSON: ["error"]
        case .alertUnsupportedVersion: ["version"]
        case .alertUnknownStatus: ["status"]
        case .alertMissingField, .alertWrongType: ["path"]
        default: []
        }
    }
}
