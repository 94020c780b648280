import Foundation

/// A person put on call for a schedule between two moments, replacing whoever the layers have (`/oncall override`).
public struct OnCallOverride: Sendable, Equatable, Codable {
    public var id: Int64?
    public var schedule: String
    public var person: String
    public var from: Date
    public var until: Date
    public var reason: String?
    public var createdBy: String
    public var createdAt: Date
    public init(
        id: Int64? = nil,
        schedule: String,
        person: String,
        from: Date,
        until: Date,
        reason: String? = nil,
        createdBy: String,
        createdAt: Date
    ) {
        self.id = id
        self.schedule = schedule
        self.person = person
        self.from = from
        self.until = until
        self.reason = reason
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

/// One stretch of time with the same person on call (nil: nobody).
public struct OnCallShift: Sendable, Equatable {
    public var schedule: String
    public var person: String?
    public var from: Date
    public var until: Date
    /// The layer name, or "override".
    public var source: String?
}

/// Who is on call: the layers of a schedule evaluated in its zone, holidays and overrides applied.
public struct OnCallResolver: Sendable {
    public var config: BridgeConfiguration
    public var overrides: [OnCallOverride]

    public init(config: BridgeConfiguration, overrides: [OnCallOverride] = []) {
        self.config = config
        self.overrides = overrides.sorted { ($0.createdAt, $0.id ?? 0) < ($1.createdAt, $1.id ?? 0) }
    }

    /// The person on call for `schedule` at `t` and where that comes from (a layer's name or "override").
    public func onCall(_ schedule: BridgeConfiguration.Schedule, at t: Date) -> (person: String, source: String)? {
        if let o = overrides.last(where: { $0.schedule == schedule.id && $0.from <= t && t < $0.until }) {
            return (o.person, "override")
        }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = schedule.timeZone
        let local = cal.dateComponents([.year, .month, .day, .hour, .minute], from: t)
        let day = CalendarDay(local.year!, local.month!, local.day!)
        let minute = local.hour! * 60 + local.minute!
        for layer in schedule.layers.reversed() where t >= layer.start && applies(layer, day: day, minute: minute) {
            guard !layer.members.isEmpty else { continue }
            let i = Self.turn(layer, at: t, calendar: cal).index
            return (layer.members[((i % layer.members.count) + layer.members.count) % layer.members.count], layer.name)
        }
        return nil
    }

    /// Whether a layer covers a local day and minute.
    func applies(_ layer: BridgeConfiguration.Layer, day: CalendarDay, minute: Int) -> Bool {
        func active(_ d: CalendarDay) -> Bool {
            if let f = layer.activeFrom, d < f { return false }
            if let u = layer.activeUntil, d > u { return false }
            return true
        }
        guard let w = layer.when else { return active(day) }
        // A window belongs to the day it starts: that day's weekday, holiday and `active` range decide.
        func dayOK(_ d: CalendarDay) -> Bool {
            guard active(d), w.days.contains(d.weekday) else { return false }
            switch w.holidays {
            case .include: return true
            case .exclude: return !config.holidays.isHoliday(d)
            case .only: return config.holidays.isHoliday(d)
            }
        }
        if w.from == w.to { return dayOK(day) }
        if w.from < w.to { return minute >= w.from && minute < w.to && dayOK(day) }
        // Crossing midnight: the evening belongs to this day, the early morning to the day before.
        if minute >= w.from { return dayOK(day) }
        if minute < w.to { return dayOK(day.adding(days: -1)) }
        return false
    }

    /// The turn of a rotation at `t`: its index from `start` and its bounds. Turns of whole days hand off at the
    /// start's local time of day, whatever daylight saving does; shorter turns are fixed lengths of time.
    static func turn(_ layer: BridgeConfiguration.Layer, at t: Date, calendar cal: Calendar) -> (
        index: Int, from: Date, until: Date
    ) {
        let every = max(layer.every.seconds, 60)
        if every < 86_400, 86_400 % every == 0, every % 60 == 0 {
            return subDayTurn(layer, every: every, at: t, calendar: cal)
        }
        if every % 86_400 == 0 {
            let days = every / 86_400
            let s = cal.dateComponents([.year, .month, .day, .hour, .minute], from: layer.start)
            let startDay = CalendarDay(s.year!, s.month!, s.day!)
            let l = cal.dateComponents([.year, .month, .day, .hour, .minute], from: t)
            var d = CalendarDay(l.year!, l.month!, l.day!).ordinal - startDay.ordinal
            if l.hour! * 60 + l.minute! < s.hour! * 60 + s.minute! { d -= 1 }
            var index = Int((Double(d) / Double(days)).rounded(.down))
            func at(_ n: Int) -> Date {
                let day = startDay.adding(days: n * days)
                return cal.date(
                    from: DateComponents(year: day.year, month: day.month, day: day.day, hour: s.hour, minute: s.minute)
                ) ?? t
            }
            // A hand-off time that does not exist on a spring-forward day moves later: compare instants, not
            // wall-clock minutes, so `onCall` and `shifts` agree.
            if t < at(index) { index -= 1 } else if t >= at(index + 1) { index += 1 }
            return (index, at(index), at(index + 1))
        }
        let elapsed = t.timeIntervalSince(layer.start)
        let index = Int((elapsed / Double(every)).rounded(.down))
        let from = layer.start.addingTimeInterval(Double(index * every))
        return (index, from, from.addingTimeInterval(Double(every)))
    }

    /// Turns that divide a day (12h, 8h, 6h ...) hand off at the same local times every day, across daylight
    /// saving changes too: slot n of a local day starts at the start's time of day plus n turns.
    static func subDayTurn(
        _ layer: BridgeConfiguration.Layer,
        every: Int,
        at t: Date,
        calendar cal: Calendar
    ) -> (index: Int, from: Date, until: Date) {
        let perDay = 86_400 / every
        let minutes = every / 60
        let s = cal.dateComponents([.year, .month, .day, .hour, .minute], from: layer.start)
        let startDay = CalendarDay(s.year!, s.month!, s.day!)
        let startMinute = s.hour! * 60 + s.minute!
        let l = cal.dateComponents([.year, .month, .day, .hour, .minute], from: t)
        var d = CalendarDay(l.year!, l.month!, l.day!).ordinal - startDay.ordinal
        var m = l.hour! * 60 + l.minute! - startMinute
        if m < 0 {
            d -= 1
            m += 1440
        }
        let index = d * perDay + m / minutes
        func at(_ n: Int) -> Date {
            let dayN = Int((Double(n) / Double(perDay)).rounded(.down))
            let slot = n - dayN * perDay
            let day = startDay.adding(days: dayN)
            let minute = startMinute + slot * minutes
            return cal.date(
                from: DateComponents(year: day.year, month: day.month, day: day.day, hour: minute / 60, minute: minute % 60)
            ) ?? t
        }
        return (index, at(index), at(index + 1))
    }

    /// The shifts of a schedule between two moments, merged where the same person stays on call.
    public func shifts(_ schedule: BridgeConfiguration.Schedule, from: Date, until: Date) -> [OnCallShift] {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = schedule.timeZone
        var points = Set<Date>([from])
        // Every moment something can change: local midnights and window edges, hand-offs, override bounds.
        let first = cal.dateComponents([.year, .month, .day], from: from)
        var day = CalendarDay(first.year!, first.month!, first.day!).adding(days: -1)
        while true {
            guard let midnight = cal.date(from: DateComponents(year: day.year, month: day.month, day: day.day)),
                midnight < until
            else { break }
            points.insert(midnight)
            for layer in schedule.layers {
                for m in [layer.when?.from, layer.when?.to].compactMap({ $0 }) {
                    if let d = cal.date(
                        from: DateComponents(year: day.year, month: day.month, day: day.day, hour: m / 60, minute: m % 60)
                    ) {
                        points.insert(d)
                    }
                }
            }
            day = day.adding(days: 1)
        }
        for layer in schedule.layers {
            var turn = Self.turn(layer, at: from, calendar: cal)
            while turn.until < until {
                points.insert(turn.until)
                turn = Self.turn(layer, at: turn.until, calendar: cal)
            }
        }
        for layer in schedule.layers { points.insert(layer.start) }
        for o in overrides where o.schedule == schedule.id {
            points.insert(o.from)
            points.insert(o.until)
        }
        var out: [OnCallShift] = []
        for p in points.filter({ $0 >= from && $0 < until }).sorted() {
            let who = onCall(schedule, at: p)
            if let last = out.last, last.person == who?.person {
                continue
            }
            if !out.isEmpty { out[out.count - 1].until = p }
            out.append(OnCallShift(schedule: schedule.id, person: who?.person, from: p, until: until, source: who?.source))
        }
        return out
    }

    /// The people to page for some roles at `t`: a scheduled role's on-call person (all members, with a note,
    /// when nobody is on call), the members of a role without a schedule.
    public func people(forRoles roles: [String], at t: Date) -> (people: [String], notes: [String]) {
        var out: [String] = []
        var notes: [String] = []
        func add(_ p: String) { if !out.contains(p) { out.append(p) } }
        for r in roles {
            guard let role = config.roles[r] else { continue }
            if let sid = role.schedule, let s = config.schedules[sid] {
                if let who = onCall(s, at: t) {
                    add(who.person)
                } else {
                    role.members.forEach(add)
                    notes.append(config.word(.oncallNobodyNote, ["schedule": s.name]))
                }
            } else {
                role.members.forEach(add)
            }
        }
        return (out, notes)
    }
}

extension IncidentReader {
    /// The overrides that can matter from `now` on (none read when the config has no schedules).
    public func overridesInForce(_ config: BridgeConfiguration, at now: Date) throws -> [OnCallOverride] {
        config.schedules.isEmpty ? [] : try onCallOverrides(endingAfter: now)
    }
}
