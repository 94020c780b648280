import Foundation

/// What firing a due timer does: a pure function from (timer, incident, time) to effects, like the lifecycle.
public struct TimerFiring: Sendable {
    public var config: BridgeConfiguration
    /// On-call overrides in force: an escalation step pages whoever is on call when it fires.
    public var overrides: [OnCallOverride]
    public init(config: BridgeConfiguration, overrides: [OnCallOverride] = []) {
        self.config = config
        self.overrides = overrides
    }

    func say(_ word: Word, _ args: [String: String] = [:]) -> String { config.word(word, args) }

    /// The effects of firing `timer` at `now` for `incident`, or nil when the timer no longer applies
    /// (the clock stopped or the incident is no longer open); it is then only marked fired.
    public func fire(_ timer: IncidentTimer, incident: Incident, now: Date) -> LifecycleEffects? {
        let late = BridgeDuration.between(timer.dueAt, now)
        let lateNote = late.seconds >= 1 ? say(.entryFiredLate, ["late": late.description]) : ""
        switch timer.kind {
        case .escalation: return escalate(timer, incident, now, lateNote)
        case .slaWarning, .slaBreach: return slaClock(timer, incident, now, lateNote)
        case .updateReminder: return remind(incident, now, lateNote)
        }
    }

    /// Who a reminder or an SLA warning mentions: the incident's R who are on duty now (a scheduled role's
    /// person on call; every R when none of them is on call), and the commander.
    func onDutyResponders(_ inc: Incident, _ now: Date) -> [String] {
        let roles = config.eventTypes[inc.eventType]?.roles(.R) ?? []
        let onCall = Set(OnCallResolver(config: config, overrides: overrides).people(forRoles: roles, at: now).people)
        var out = inc.responsible.filter { onCall.contains($0) }
        if out.isEmpty { out = inc.responsible }
        if let c = inc.assignments["commander"], !out.contains(c) { out.append(c) }
        return out
    }

    func roleNames(_ ids: [String]) -> String {
        ids.map { config.roles[$0]?.name ?? $0 }.joined(separator: say(.roleSeparator))
    }

    func escalate(_ timer: IncidentTimer, _ current: Incident, _ now: Date, _ lateNote: String) -> LifecycleEffects? {
        guard current.state.isOpen, let policy = IncidentLifecycle(config: config).policy(for: current),
            !policy.steps.isEmpty
        else { return nil }
        var inc = current
        var step = timer.step ?? 0
        var round = timer.round ?? 0
        if step >= policy.steps.count {
            // Past the last step: restart the policy if `repeat` allows, else it is exhausted.
            guard round < policy.repeatCount else {
                var fx = LifecycleEffects(incident: inc)
                fx.timeline.append(
                    TimelineEntry(
                        incidentID: inc.id,
                        at: now,
                        actor: "bot",
                        kind: .escalated,
                        text: say(.entryEscalationExhausted) + lateNote
                    )
                )
                return fx
            }
            step = 0
            round += 1
        }
        let previous = step > 0 ? policy.steps[step - 1] : policy.steps[policy.steps.count - 1]
        let current = policy.steps[step]
        let onCall = OnCallResolver(config: config, overrides: overrides).people(forRoles: current.notify, at: now)
        let people = onCall.people
        inc.escalationStep = step
        inc.escalationRound = round
        let reason =
            inc.state == .declared
            ? say(.reasonNotAcknowledged, ["within": previous.ackWithin.description])
            : say(.reasonOnRequest)
        var fx = LifecycleEffects(incident: inc)
        let roundNote = round > 0 ? say(.entryRound, ["round": String(round + 1)]) : ""
        fx.timeline.append(
            TimelineEntry(
                incidentID: inc.id,
                at: now,
                actor: "bot",
                kind: .escalated,
                text: say(.entryEscalated, ["roles": roleNames(current.notify), "reason": reason]) + roundNote + lateNote
            )
        )
        for note in onCall.notes {
            fx.timeline.append(TimelineEntry(incidentID: inc.id, at: now, actor: "bot", kind: .note, text: note))
        }
        fx.posts.append(
            Post(
                kind: .escalated,
                incident: inc,
                actor: "bot",
                mentions: people,
                fields: [
                    "step_roles": roleNames(current.notify), "reason": reason + roundNote,
                    "step": String(step + 1), "oncall_note": onCall.notes.joined(separator: " / "),
                ]
            )
        )
        if !people.isEmpty, inc.maintenanceWindow == nil || inc.alertGroupKey == nil {
            fx.pages.append(
                PageRequest(
                    action: .trigger,
                    people: people,
                    roles: current.notify,
                    page: PageStep(round: round, step: step)
                )
            )
        }
        if inc.state == .declared {
            let next = IncidentTimer(
                incidentID: inc.id,
                kind: .escalation,
                step: step + 1,
                round: round,
                dueAt: now.addingTimeInterval(current.ackWithin.timeInterval)
            )
            fx.schedule.append(next)
        }
        return fx
    }

    func slaClock(_ timer: IncidentTimer, _ inc: Incident, _ now: Date, _ lateNote: String) -> LifecycleEffects? {
        guard let clock = timer.clock, let sev = config.severities[inc.severity], inc.state.isOpen else { return nil }
        switch clock {
        case .firstResponse: if inc.firstResponseAt != nil { return nil }
        case .restore: if inc.mitigatedAt != nil || inc.resolvedAt != nil { return nil }
        }
        let target = clock == .firstResponse ? sev.firstResponse : sev.restore
        let due = inc.declaredAt.addingTimeInterval(target.timeInterval)
        let clockName = say(clock == .firstResponse ? .clockFirstResponse : .clockRestore)
        let tz = LocalTime(config.timeZone)
        var fx = LifecycleEffects(incident: inc)
        if timer.kind == .slaBreach {
            fx.timeline.append(
                TimelineEntry(
                    incidentID: inc.id,
                    at: now,
                    actor: "bot",
                    kind: .slaBreach,
                    text: say(.entrySLABreached, ["clock": clockName, "target": target.description]) + lateNote
                )
            )
            fx.posts.append(
                Post(
                    kind: .slaBreach,
                    incident: inc,
                    actor: "bot",
                    mentions: inc.accountable,
                    fields: ["clock_name": clockName, "target": target.description, "due_at": tz.display(due)]
                )
            )
        } else {
            let fraction = timer.fraction ?? 0.5
            let percent = Int((fraction * 100).rounded())
            let left = BridgeDuration(seconds: max(0, Int(due.timeIntervalSince(now))))
            fx.timeline.append(
                TimelineEntry(
                    incidentID: inc.id,
                    at: now,
                    actor: "bot",
                    kind: .slaWarning,
                    text: say(.entrySLAWarning, ["clock": clockName, "percent": String(percent), "left": left.description])
                        + lateNote
                )
            )
            let mentions = onDutyResponders(inc, now)
            fx.posts.append(
                Post(
                    kind: .slaWarning,
                    incident: inc,
                    actor: "bot",
                    mentions: mentions,
                    fields: [
                        "clock_name": clockName, "percent": String(percent), "due_at": tz.display(due),
                        "left": left.description, "target": target.description,
                    ]
                )
            )
        }
        return fx
    }

    func remind(_ inc: Incident, _ now: Date, _ lateNote: String) -> LifecycleEffects? {
        guard inc.state.isOpen, let sev = config.severities[inc.severity] else { return nil }
        var fx = LifecycleEffects(incident: inc)
        let mentions = onDutyResponders(inc, now)
        fx.timeline.append(
            TimelineEntry(
                incidentID: inc.id,
                at: now,
                actor: "bot",
                kind: .reminder,
                text: say(.entryReminder, ["every": sev.updateEvery.description]) + lateNote
            )
        )
        fx.posts.append(Post(kind: .reminder, incident: inc, actor: "bot", mentions: mentions))
        fx.schedule.append(
            IncidentTimer(
                incidentID: inc.id,
                kind: .updateReminder,
                dueAt: now.addingTimeInterval(sev.updateEvery.timeInterval)
            )
        )
        return fx
    }
}
