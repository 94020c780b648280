import BridgeCore
import Foundation

/// Hours nobody is on call: for the next 8 weeks, every window in which a scheduled role that an escalation
/// step or an R/A row depends on has nobody on call is an error; a role without a schedule whose members are
/// all paged at any hour is a warning.
extension OperatingModelCheck {
    static let gapHorizon: TimeInterval = 8 * 7 * 86_400

    func checkOnCall(_ c: inout Collector, now: Date) {
        var depended: [String: String] = [:]  // role -> where it is depended on
        for p in config.escalationPolicies.values.sorted(by: { $0.id < $1.id }) {
            for (i, s) in p.steps.enumerated() {
                for r in s.notify where depended[r] == nil { depended[r] = "escalation_policies.\(p.id).steps[\(i)]" }
            }
        }
        for et in eventTypes {
            for e in et.raci where (e.letter == .R || e.letter == .A) && depended[e.role] == nil {
                depended[e.role] = "event_types.\(et.id).raci"
            }
        }
        let resolver = OnCallResolver(config: config)
        var checkedSchedules = Set<String>()
        for (roleID, usedAt) in depended.sorted(by: { $0.key < $1.key }) {
            guard let role = config.roles[roleID] else { continue }
            guard let sid = role.schedule, let schedule = config.schedules[sid] else {
                if role.members.count > 1, usedAt.hasPrefix("escalation_policies") {
                    c.warning(
                        .escalation,
                        "roles.\(roleID)",
                        "no schedule: all \(role.members.count) members are paged at any hour, nights included "
                            + "(\(usedAt)); give the role a schedule so only the person on duty is woken"
                    )
                }
                continue
            }
            guard checkedSchedules.insert(sid).inserted else { continue }
            let gaps = resolver.shifts(schedule, from: now, until: now.addingTimeInterval(Self.gapHorizon))
                .filter { $0.person == nil }
            for g in gaps {
                c.error(
                    .escalation,
                    "schedules.\(sid)",
                    "nobody on call \(Self.span(g.from, g.until, schedule.timeZone)) (role \(roleID), \(usedAt))"
                )
            }
            if gaps.isEmpty {
                c.checked.append("On call: \(sid) has someone on call at every hour of the next 8 weeks")
            }
        }
    }

    /// `Sat 2026-12-05 18:00 - Mon 2026-12-07 09:00` in the schedule's zone.
    static func span(_ from: Date, _ until: Date, _ tz: TimeZone) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = tz
        f.dateFormat = "EEE yyyy-MM-dd HH:mm"
        return "\(f.string(from: from)) - \(f.string(from: until))"
    }
}
