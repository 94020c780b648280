import BridgeCore
import Foundation
import Yams

/// `holidays` and `schedules`: who is on call when, in each schedule's time zone.
extension ConfigReader {
    /// `holidays: {calendar: jp|none, extra: [YYYY-MM-DD]}` (default: the Japanese calendar).
    mutating func readHolidays(_ top: [(String, Node)]) -> BridgeConfiguration.Holidays {
        let p = pairs(value(top, "holidays"), "holidays", allowed: ["calendar", "extra"])
        var h = BridgeConfiguration.Holidays()
        if let c = string(value(p, "calendar"), "holidays.calendar") {
            if let cal = BridgeConfiguration.Holidays.Calendar(rawValue: c) {
                h.calendar = cal
            } else {
                fail("holidays.calendar", value(p, "calendar"), "expected jp or none, got '\(c)'")
            }
        }
        for d in strings(value(p, "extra"), "holidays.extra") {
            if let day = CalendarDay(d) { h.extra.insert(day) } else {
                fail("holidays.extra", value(p, "extra"), "bad date '\(d)' (use YYYY-MM-DD)")
            }
        }
        return h
    }

    static let weekdays = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    /// `schedules.<id>: {name, timezone, announce, layers: [...]}`; members must be people.
    mutating func readSchedules(
        _ top: [(String, Node)],
        people: [String: BridgeConfiguration.Person],
        roles: [String: BridgeConfiguration.Role],
        timeZone: TimeZone
    ) -> [String: BridgeConfiguration.Schedule] {
        var out: [String: BridgeConfiguration.Schedule] = [:]
        for (id, node) in pairs(value(top, "schedules"), "schedules") {
            let path = "schedules.\(id)"
            let p = pairs(node, path, allowed: ["name", "timezone", "announce", "layers"])
            var tz = timeZone
            if let t = string(value(p, "timezone"), "\(path).timezone") {
                if let z = TimeZone(identifier: t) { tz = z } else {
                    fail("\(path).timezone", value(p, "timezone"), "unknown time zone '\(t)'")
                }
            }
            var layers: [BridgeConfiguration.Layer] = []
            let seq = value(p, "layers")?.sequence.map(Array.init) ?? []
            if seq.isEmpty { fail("\(path).layers", node, "at least one layer is needed") }
            for (i, n) in seq.enumerated() {
                if let l = readLayer(n, "\(path).layers[\(i)]", people: people, timeZone: tz) { layers.append(l) }
            }
            out[id] = .init(
                id: id,
                name: string(value(p, "name"), "\(path).name") ?? id,
                timeZone: tz,
                announce: bool(value(p, "announce"), "\(path).announce") ?? false,
                layers: layers
            )
        }
        for role in roles.values.sorted(by: { $0.id < $1.id }) {
            if let s = role.schedule, out[s] == nil {
                fail("roles.\(role.id).schedule", nil, "unknown schedule '\(s)' (not under schedules)")
            }
        }
        return out
    }

    mutating func readLayer(
        _ node: Node,
        _ path: String,
        people: [String: BridgeConfiguration.Person],
        timeZone tz: TimeZone
    ) -> BridgeConfiguration.Layer? {
        let p = pairs(node, path, allowed: ["name", "members", "every", "start", "when", "active"])
        let members = strings(value(p, "members"), "\(path).members")
        if members.isEmpty { fail("\(path).members", node, "at least one member is needed") }
        for m in members where people[m] == nil {
            fail("\(path).members", value(p, "members"), "unknown person '\(m)' (not under people)")
        }
        let every = duration(value(p, "every"), "\(path).every", required: true, parent: node)
        if let e = every, e.seconds < 3600 { fail("\(path).every", value(p, "every"), "a turn is at least 1h") }
        let startText = string(value(p, "start"), "\(path).start", required: true, parent: node) ?? ""
        let start = Self.localTime(startText, tz)
        if start == nil && !startText.isEmpty {
            fail("\(path).start", value(p, "start"), "bad time '\(startText)' (use 2026-11-30T09:00)")
        }
        var when: BridgeConfiguration.When?
        if let w = value(p, "when") { when = readWhen(w, "\(path).when") }
        let a = pairs(value(p, "active"), "\(path).active", allowed: ["from", "until"])
        func day(_ key: String) -> CalendarDay? {
            guard let s = string(value(a, key), "\(path).active.\(key)") else { return nil }
            if let d = CalendarDay(s) { return d }
            fail("\(path).active.\(key)", value(a, key), "bad date '\(s)' (use YYYY-MM-DD)")
            return nil
        }
        guard let every, let start else { return nil }
        return .init(
            name: string(value(p, "name"), "\(path).name") ?? path,
            members: members,
            every: every,
            start: start,
            when: when,
            activeFrom: day("from"),
            activeUntil: day("until")
        )
    }

    mutating func readWhen(_ node: Node, _ path: String) -> BridgeConfiguration.When {
        let p = pairs(node, path, allowed: ["days", "from", "to", "holidays"])
        var w = BridgeConfiguration.When()
        let days = strings(value(p, "days"), "\(path).days")
        if !days.isEmpty {
            w.days = []
            for d in days {
                if let i = Self.weekdays.firstIndex(of: String(d.lowercased().prefix(3))) { w.days.insert(i) } else {
                    fail("\(path).days", value(p, "days"), "unknown day '\(d)' (mon, tue, ... sun)")
                }
            }
        }
        for key in ["from", "to"] {
            guard let s = string(value(p, key), "\(path).\(key)") else { continue }
            guard let m = Self.minutes(s) else {
                fail("\(path).\(key)", value(p, key), "bad time of day '\(s)' (use 09:00)")
                continue
            }
            if key == "from" { w.from = m } else { w.to = m }
        }
        if let h = value(p, "holidays") {
            switch h.scalar?.string.lowercased() ?? "" {
            case "true", "yes": w.holidays = .include
            case "false", "no": w.holidays = .exclude
            case "only": w.holidays = .only
            default: fail("\(path).holidays", h, "expected true, false or only")
            }
        }
        return w
    }

    /// `09:00` -> 540; `24:00` is the end of the day.
    static func minutes(_ s: String) -> Int? {
        let p = s.split(separator: ":").map { Int($0) }
        guard p.count == 2, let h = p[0], let m = p[1], (0...24).contains(h), (0..<60).contains(m), h * 60 + m <= 1440
        else { return nil }
        return h * 60 + m
    }

    /// `2026-11-30T09:00` (or with a space) in `tz`.
    static func localTime(_ s: String, _ tz: TimeZone) -> Date? {
        let parts = s.replacingOccurrences(of: " ", with: "T").split(separator: "T")
        guard parts.count == 2, let day = CalendarDay(String(parts[0])), let m = minutes(String(parts[1])) else {
            return nil
        }
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = tz
        return cal.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: m / 60, minute: m % 60))
    }
}
