import Foundation

/// `/oncall`: who is on call now and next, and overrides (stored with who made them).
extension IncidentService {
    /// The answer to an on-call command.
    func onCall(_ parsed: ParsedCommand, command: ChatCommand, actor: String, now: Date) async throws -> CommandOutcome {
        switch parsed {
        case .oncall(let name):
            let overrides = try await store.read { try $0.onCallOverrides(endingAfter: now) }
            let schedules = try onCallSchedules(name)
            let resolver = OnCallResolver(config: config, overrides: overrides)
            let lines = schedules.map { onCallLine($0, resolver: resolver, now: now) }
            return CommandOutcome(reply: escape(lines.joined(separator: "\n"), command))
        case .oncallOverrides(let name):
            if let refusal = authorizer.mayListOverrides(person: person(for: command), actor: actor) { throw refusal }
            let schedules = Set(try onCallSchedules(name).map(\.id))
            let overrides = try await store.read { try $0.onCallOverrides(endingAfter: now) }
                .filter { schedules.contains($0.schedule) }
            if overrides.isEmpty {
                return CommandOutcome(reply: config.word(.oncallNoOverrides))
            }
            let lines = overrides.map { o -> String in
                let s = config.schedules[o.schedule]
                let tz = LocalTime(s?.timeZone ?? config.timeZone)
                return "#\(o.id ?? 0) \(s?.name ?? o.schedule): \(personName(o.person)) \(tz.display(o.from)) - "
                    + "\(tz.display(o.until))" + (o.reason.map { " (\($0))" } ?? "") + " [\(personName(o.createdBy))]"
            }
            return CommandOutcome(reply: escape(lines.joined(separator: "\n"), command))
        case .oncallOverride(let sid, let user, let fromText, let untilText, let reason):
            guard let schedule = config.schedules[sid] ?? config.schedules.values.first(where: { $0.name == sid }) else {
                throw unknownSchedule(sid)
            }
            guard let person = config.person(matching: user) else {
                throw Refusal(.input, .oncallUnknownPerson, ["user": user])
            }
            if let refusal = authorizer.mayOverride(schedule, actor: actor) { throw refusal }
            guard config.onCallPool(schedule).contains(person.id) else {
                throw Refusal(.input, .oncallNotInSchedule, ["person": person.name, "schedule": schedule.name])
            }
            guard let from = Self.onCallTime(fromText, schedule.timeZone, now: now),
                let until = Self.onCallTime(untilText, schedule.timeZone, now: now)
            else {
                throw Refusal(.input, .oncallBadTime)
            }
            guard until > from, until > now else {
                throw Refusal(.input, .oncallOverrideOrder)
            }
            guard until.timeIntervalSince(from) <= 366 * 86_400, from.timeIntervalSince(now) <= 2 * 366 * 86_400 else {
                throw Refusal(.input, .oncallOverrideTooLong)
            }
            let o = OnCallOverride(
                schedule: schedule.id,
                person: person.id,
                from: from,
                until: until,
                reason: reason.map(OneLine.clean),
                createdBy: actor,
                createdAt: now
            )
            let id = try await store.write { try $0.insert(o) }
            onCommit()
            let tz = LocalTime(schedule.timeZone)
            let text = config.word(
                .oncallOverrideSet,
                [
                    "id": String(id), "person": person.name, "schedule": schedule.name, "from": tz.display(from),
                    "until": tz.display(until),
                ]
            )
            return CommandOutcome(reply: escape(text, command))
        case .oncallCancel(let id):
            let existing = try await store.read { try $0.onCallOverrides(endingAfter: now) }.first { $0.id == id }
            guard let o = existing else {
                throw Refusal(.state, .oncallNoOverride, ["id": String(id)])
            }
            if let refusal = authorizer.mayCancel(o, actor: actor) { throw refusal }
            _ = try await store.write { try $0.cancelOverride(id, at: now, by: actor) }
            return CommandOutcome(reply: config.word(.oncallOverrideCancelled, ["id": String(id)]))
        default:
            throw Refusal(.input, .nothingToDo)
        }
    }

    func escape(_ text: String, _ command: ChatCommand) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { renderer.escape(String($0), for: command.platform) }.joined(separator: "\n")
    }

    func personName(_ id: String) -> String { config.people[id]?.name ?? id }

    func unknownSchedule(_ name: String) -> LifecycleError {
        let known = config.schedules.keys.sorted().joined(separator: ", ")
        return Refusal(.input, .oncallUnknownSchedule, ["name": name, "known": known])
    }

    /// The schedules `name` means: a schedule id or name, a role with a schedule, or all when nil.
    func onCallSchedules(_ name: String?) throws -> [BridgeConfiguration.Schedule] {
        guard let name else {
            if config.schedules.isEmpty {
                throw Refusal(.state, .oncallNoSchedules)
            }
            return config.schedules.values.sorted { $0.id < $1.id }
        }
        if let s = config.schedules[name] ?? config.schedules.values.first(where: { $0.name == name }) { return [s] }
        if let role = config.roles[name] {
            guard let sid = role.schedule, let s = config.schedules[sid] else {
                let members = role.members.map(personName).joined(separator: config.word(.peopleSeparator))
                throw Refusal(.state, .oncallRoleWithoutSchedule, ["role": role.name, "members": members])
            }
            return [s]
        }
        throw unknownSchedule(name)
    }

    /// `運用オンコール: 高橋 誠 (夜間・休日) until 12/07 09:00, then 鈴木 美咲`.
    func onCallLine(_ s: BridgeConfiguration.Schedule, resolver: OnCallResolver, now: Date) -> String {
        let shifts = resolver.shifts(s, from: now, until: now.addingTimeInterval(35 * 86_400))
        let tz = LocalTime(s.timeZone)
        guard let current = shifts.first else { return s.name }
        let nobody = config.word(.oncallNobody)
        let who = current.person.map(personName) ?? nobody
        let source = current.source.map { $0 == "override" ? config.word(.oncallOverrideSource) : $0 }
            .map { " (\($0))" } ?? ""
        let next = shifts.dropFirst().first.map { $0.person.map(personName) ?? nobody }
        let until = shifts.count > 1 ? tz.display(current.until) : nil
        return "\(s.name): \(who)\(source)" + (until.map { config.word(.oncallUntil, ["until": $0]) } ?? "")
            + (next.map { config.word(.oncallNext, ["next": $0]) } ?? "")
    }

    /// `2026-12-24 18:00`, `today 18:00`, `tomorrow 09:00` (今日, 明日) in `tz`.
    public static func onCallTime(_ text: String, _ tz: TimeZone, now: Date) -> Date? {
        let parts = text.split(separator: " ").map(String.init)
        guard parts.count == 2 else { return nil }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = tz
        let today = cal.dateComponents([.year, .month, .day], from: now)
        var day: CalendarDay
        switch parts[0].lowercased() {
        case "today", "今日": day = CalendarDay(today.year!, today.month!, today.day!)
        case "tomorrow", "明日": day = CalendarDay(today.year!, today.month!, today.day!).adding(days: 1)
        default:
            guard let d = CalendarDay(parts[0]) else { return nil }
            day = d
        }
        let hm = parts[1].split(separator: ":").compactMap { Int($0) }
        guard hm.count == 2, (0...23).contains(hm[0]), (0...59).contains(hm[1]) else { return nil }
        return cal.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: hm[0], minute: hm[1]))
    }
}
