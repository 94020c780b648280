import Foundation

/// What a lifecycle step asks the service to do: all of it is committed in one transaction.
public struct LifecycleEffects: Sendable, Equatable {
    public var incident: Incident
    public var timeline: [TimelineEntry] = []
    public var schedule: [IncidentTimer] = []
    public var cancel: [TimerCancellation] = []
    public var posts: [Post] = []
    public var pages: [PageRequest] = []
    public init(incident: Incident) { self.incident = incident }
}

/// Which pending timers a step cancels.
public enum TimerCancellation: Sendable, Equatable {
    case all
    case escalation
    case clock(SLAClock)
    case updateReminder
}

/// Events that move an incident through its lifecycle.
public enum LifecycleEvent: Sendable, Equatable {
    case acknowledge
    case update(String)
    case note(String)
    case assign(AssignableRole, person: String)
    case escalateRequest(reason: String?)
    case mitigate(String?)
    case resolve(String)
    case close
}

/// A refused transition, with the answer to give: the one refusal type.
public typealias LifecycleError = Refusal

/// The incident state machine as a value: declared -> acknowledged -> mitigated -> resolved -> closed.
/// It decides what to record, schedule, cancel and post; it never touches a database or a network.
public struct IncidentLifecycle: Sendable {
    public var config: BridgeConfiguration
    /// On-call overrides in force (read in the step's transaction): who a scheduled role pages.
    public var overrides: [OnCallOverride]
    public init(config: BridgeConfiguration, overrides: [OnCallOverride] = []) {
        self.config = config
        self.overrides = overrides
    }

    /// Opens a new incident: resolves R/A/C/I from the RACI row, writes the SLA/OLA timers and the declare post.
    public func declare(
        id: IncidentID,
        eventType: String,
        severity: String?,
        title: String,
        actor: String,
        at now: Date,
        origin: Destination
    ) -> Result<LifecycleEffects, LifecycleError> {
        guard let type = config.eventTypes[eventType] else {
            let known = config.eventTypes.keys.sorted().joined(separator: ", ")
            return .failure(Refusal(.input, .unknownEventType, ["type": eventType, "known": known]))
        }
        let sevID = severity ?? type.severity
        guard let sev = config.severities[sevID] else {
            let known = config.severityOrder.joined(separator: ", ")
            return .failure(Refusal(.input, .unknownSeverity, ["severity": sevID, "known": known]))
        }
        // R and A are the roles' members plus whoever a schedule has on call now (so the person paged may decide);
        // only the people on call are mentioned (`onDuty`), so the off-duty members are not woken.
        let onCallNow = OnCallResolver(config: config, overrides: overrides)
        func onDuty(_ letter: BridgeConfiguration.RACILetter) -> [String] {
            onCallNow.people(forRoles: type.roles(letter), at: now).people
        }
        func people(_ letter: BridgeConfiguration.RACILetter) -> [String] {
            var ids = config.members(ofRoles: type.roles(letter)).map(\.id)
            if letter == .R || letter == .A { for p in onDuty(letter) where !ids.contains(p) { ids.append(p) } }
            return ids
        }
        var incident = Incident(
            id: id,
            eventType: type.id,
            severity: sev.id,
            title: OneLine.clean(title),
            declaredAt: now,
            declaredBy: actor,
            responsible: people(.R),
            accountable: people(.A),
            consulted: people(.C),
            informed: people(.I),
            origin: origin
        )
        incident.maintenanceWindow = MaintenanceCalendar(config: config).window(containing: now)?.name
        var fx = LifecycleEffects(incident: incident)
        fx.timeline.append(
            entry(
                incident,
                now,
                actor,
                .declared,
                config.word(
                    .entryDeclared,
                    [
                        "type": type.id, "severity": sev.id, "title": title,
                        "responsible": incident.responsible.joined(separator: ","),
                        "accountable": incident.accountable.joined(separator: ","),
                    ]
                )
            )
        )
        if let w = incident.maintenanceWindow {
            fx.timeline.append(entry(incident, now, "bot", .maintenance, config.word(.entryMaintenance, ["window": w])))
        }
        fx.schedule = declareTimers(incident, severity: sev, at: now)
        // Scheduled roles page whoever is on call now; a schedule with nobody on call pages every member.
        let onCall = policy(for: incident)?.steps.first.map {
            OnCallResolver(config: config, overrides: overrides).people(forRoles: $0.notify, at: now)
        }
        let firstStepPeople = onCall?.people ?? []
        for note in onCall?.notes ?? [] { fx.timeline.append(entry(incident, now, "bot", .note, note)) }
        var mentions = onDuty(.R)
        for p in onDuty(.A) + firstStepPeople where !mentions.contains(p) { mentions.append(p) }
        fx.posts.append(
            Post(
                kind: .declare,
                incident: incident,
                actor: actor,
                mentions: mentions,
                fields: onCall?.notes.isEmpty == false ? ["oncall_note": onCall!.notes.joined(separator: " / ")] : [:]
            )
        )
        if sev.page {
            let roles = policy(for: incident)?.steps.first?.notify ?? type.roles(.R)
            fx.pages.append(
                PageRequest(
                    action: .trigger,
                    people: firstStepPeople.isEmpty ? incident.responsible : firstStepPeople,
                    roles: firstStepPeople.isEmpty ? type.roles(.R) : roles
                )
            )
        }
        return .success(fx)
    }

    /// The timers a new incident starts: both SLA clocks with their warnings, the status-update reminder and
    /// the first escalation step.
    func declareTimers(_ incident: Incident, severity sev: BridgeConfiguration.Severity, at now: Date) -> [IncidentTimer] {
        var timers =
            slaTimers(incident, clock: .firstResponse, target: sev.firstResponse, from: now, severity: sev)
            + slaTimers(incident, clock: .restore, target: sev.restore, from: now, severity: sev)
        timers.append(
            IncidentTimer(
                incidentID: incident.id,
                kind: .updateReminder,
                dueAt: now.addingTimeInterval(sev.updateEvery.timeInterval)
            )
        )
        if let first = policy(for: incident)?.steps.first {
            timers.append(
                IncidentTimer(
                    incidentID: incident.id,
                    kind: .escalation,
                    step: 1,
                    round: 0,
                    dueAt: now.addingTimeInterval(first.ackWithin.timeInterval)
                )
            )
        }
        return timers
    }

    /// True when the incident has opened a page: its severity pages at declaration, or an escalation step paged.
    func pagedAny(_ inc: Incident) -> Bool {
        config.severities[inc.severity]?.page == true || inc.escalationStep > 0 || inc.escalationRound > 0
    }

    /// The escalation policy of the incident's event type, if any.
    public func policy(for incident: Incident) -> BridgeConfiguration.EscalationPolicy? {
        config.eventTypes[incident.eventType]?.escalation.flatMap { config.escalationPolicies[$0] }
    }

    /// Applies `event` by `actor` at `now`; refuses illegal transitions without changing anything.
    public func apply(
        _ event: LifecycleEvent,
        to current: Incident,
        actor: String,
        at now: Date
    ) -> Result<LifecycleEffects, LifecycleError> {
        var inc = current
        let id = inc.id.rawValue
        func refuse(_ word: Word, state: Bool) -> Result<LifecycleEffects, LifecycleError> {
            .failure(Refusal(.state, word, state ? ["id": id, "state": inc.state.rawValue] : ["id": id]))
        }
        if inc.state == .closed {
            return refuse(.refusedClosed, state: false)
        }
        var fx = LifecycleEffects(incident: inc)
        switch event {
        case .acknowledge:
            if inc.state == .acknowledged, let by = inc.acknowledgedBy, let at = inc.acknowledgedAt {
                let t = LocalTime(config.timeZone).hm(at)
                return .failure(Refusal(.state, .refusedAlreadyAcknowledged, ["id": id, "by": by, "time": t]))
            }
            guard inc.state == .declared else {
                return refuse(.refusedNothingToAcknowledge, state: true)
            }
            inc.state = .acknowledged
            inc.acknowledgedAt = now
            inc.acknowledgedBy = actor
            fx.cancel = [.escalation]
            if inc.firstResponseAt == nil {
                inc.firstResponseAt = now
                fx.cancel.append(.clock(.firstResponse))
            }
            fx.timeline.append(entry(inc, now, actor, .acknowledged, config.word(.entryAcknowledged)))
            fx.posts.append(Post(kind: .ack, incident: inc, actor: actor))
            if pagedAny(inc) { fx.pages.append(PageRequest(action: .acknowledge, opened: openedPages(inc))) }
        case .update(let text):
            guard inc.state.isOpen else {
                return refuse(.refusedUpdateNotOpen, state: true)
            }
            if inc.firstResponseAt == nil {
                inc.firstResponseAt = now
                fx.cancel.append(.clock(.firstResponse))
            }
            inc.lastUpdateAt = now
            fx.cancel.append(.updateReminder)
            if let sev = config.severities[inc.severity] {
                fx.schedule.append(
                    IncidentTimer(
                        incidentID: inc.id,
                        kind: .updateReminder,
                        dueAt: now.addingTimeInterval(sev.updateEvery.timeInterval)
                    )
                )
            }
            fx.timeline.append(entry(inc, now, actor, .update, text))
            fx.posts.append(Post(kind: .update, incident: inc, actor: actor, text: text))
        case .note(let text):
            fx.timeline.append(entry(inc, now, actor, .note, text))
            fx.posts.append(Post(kind: .note, incident: inc, actor: actor, text: text))
        case .assign(let role, let person):
            switch role {
            case .responsible: inc.responsible = [person]
            case .accountable: inc.accountable = [person]
            default: inc.assignments[role.rawValue] = person
            }
            fx.timeline.append(
                entry(inc, now, actor, .assigned, config.word(.entryAssigned, ["role": role.rawValue, "person": person]))
            )
            fx.posts.append(
                Post(
                    kind: .assign,
                    incident: inc,
                    actor: actor,
                    mentions: [person],
                    fields: ["role": role.rawValue, "person": person]
                )
            )
        case .escalateRequest(let reason):
            guard inc.state.isOpen else {
                return refuse(.refusedEscalateNotOpen, state: true)
            }
            guard let policy = policy(for: inc), !policy.steps.isEmpty else {
                return refuse(.refusedNoEscalationPolicy, state: false)
            }
            var next = inc.escalationStep + 1
            var round = inc.escalationRound
            if next >= policy.steps.count {
                next = 0
                round += 1
            }
            fx.cancel = [.escalation]
            fx.schedule.append(
                IncidentTimer(incidentID: inc.id, kind: .escalation, step: next, round: round, dueAt: now)
            )
            fx.timeline.append(
                entry(inc, now, actor, .escalationRequested, reason ?? config.word(.entryEscalationRequested))
            )
            fx.posts.append(Post(kind: .escalateRequest, incident: inc, actor: actor, text: reason))
        case .mitigate(let text):
            guard inc.state == .declared || inc.state == .acknowledged else {
                return refuse(.refusedCannotMitigate, state: true)
            }
            inc.state = .mitigated
            inc.mitigatedAt = now
            fx.cancel = [.escalation, .clock(.restore)]
            if inc.firstResponseAt == nil {
                inc.firstResponseAt = now
                fx.cancel.append(.clock(.firstResponse))
            }
            fx.timeline.append(entry(inc, now, actor, .mitigated, text ?? config.word(.entryMitigated)))
            fx.posts.append(Post(kind: .mitigate, incident: inc, actor: actor, text: text))
            // Nobody acknowledged, but the service is back: stop the pagers' own escalation.
            if inc.acknowledgedAt == nil, pagedAny(inc) {
                fx.pages.append(PageRequest(action: .acknowledge, opened: openedPages(inc)))
            }
        case .resolve(let summary):
            guard inc.state.isOpen else {
                return refuse(.refusedAlreadyResolved, state: true)
            }
            inc.state = .resolved
            inc.resolvedAt = now
            inc.summary = summary
            if inc.firstResponseAt == nil { inc.firstResponseAt = now }
            if inc.mitigatedAt == nil { inc.mitigatedAt = now }
            fx.cancel = [.all]
            fx.timeline.append(entry(inc, now, actor, .resolved, summary))
            fx.posts.append(Post(kind: .resolve, incident: inc, actor: actor, text: summary))
            if pagedAny(inc) { fx.pages.append(PageRequest(action: .resolve, opened: openedPages(inc))) }
        case .close:
            guard inc.state == .resolved else {
                return refuse(.refusedResolveBeforeClose, state: true)
            }
            inc.state = .closed
            inc.closedAt = now
            fx.cancel = [.all]
            fx.timeline.append(entry(inc, now, actor, .closed, config.word(.entryClosed)))
            fx.posts.append(Post(kind: .close, incident: inc, actor: actor))
        }
        fx.incident = inc
        for i in fx.posts.indices { fx.posts[i].incident = inc }
        return .success(fx)
    }

    func entry(_ inc: Incident, _ at: Date, _ actor: String, _ kind: TimelineKind, _ text: String) -> TimelineEntry {
        TimelineEntry(incidentID: inc.id, at: at, actor: actor, kind: kind, text: text)
    }

    func slaTimers(
        _ inc: Incident,
        clock: SLAClock,
        target: BridgeDuration,
        from start: Date,
        severity: BridgeConfiguration.Severity
    ) -> [IncidentTimer] {
        guard target.seconds > 0 else { return [] }
        var out = severity.warnAt.filter { $0 > 0 && $0 < 1 }.sorted().map { f in
            IncidentTimer(
                incidentID: inc.id,
                kind: .slaWarning,
                clock: clock,
                fraction: f,
                dueAt: start.addingTimeInterval(target.timeInterval * f)
            )
        }
        out.append(
            IncidentTimer(
                incidentID: inc.id,
                kind: .slaBreach,
                clock: clock,
                fraction: 1,
                dueAt: start.addingTimeInterval(target.timeInterval)
            )
        )
        return out
    }
}
