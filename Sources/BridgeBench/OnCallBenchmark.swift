import BridgeConfig
import BridgeCore
import Foundation

/// `incident-bridge-bench oncall`: who is on call for one year of hourly moments over 20 schedules of 10 layers
/// with 500 overrides (the issue's target: under 1 s), and what scheduled roles add to a declaration's paging
/// step, against the flat member list of a role without a schedule, measured in the same run.
func onCallBenchmark() throws {
    let schedulesCount = argument("--schedules", 20)
    let layersCount = argument("--layers", 10)
    let overridesCount = argument("--overrides", 500)
    var config = try ConfigLoader.load(path: "Examples/bridge.en.yaml")
    let tz = TimeZone(identifier: "Asia/Tokyo")!
    let start = Date(timeIntervalSince1970: 1_796_086_800)  // 2026-12-01 09:00 JST
    let people = config.people.keys.sorted()
    var schedules: [String: BridgeConfiguration.Schedule] = [:]
    for s in 0..<schedulesCount {
        var layers: [BridgeConfiguration.Layer] = []
        for l in 0..<layersCount {
            let days: Set<Int> = l % 3 == 0 ? Set(0...6) : l % 3 == 1 ? [1, 2, 3, 4, 5] : [0, 6]
            layers.append(
                .init(
                    name: "layer \(l)",
                    members: (0..<3).map { people[(s + l + $0) % people.count] },
                    every: .init(seconds: [43_200, 86_400, 604_800][l % 3]),
                    start: start.addingTimeInterval(Double(l * 3600)),
                    when: l == 0 ? nil : .init(days: days, from: (l * 60) % 1440, to: (l * 60 + 540) % 1440,
                                               holidays: [.include, .exclude, .only][l % 3])
                )
            )
        }
        schedules["s\(s)"] = .init(id: "s\(s)", name: "s\(s)", timeZone: tz, layers: layers)
    }
    config.schedules = schedules
    var overrides: [OnCallOverride] = []
    for o in 0..<overridesCount {
        let from = start.addingTimeInterval(Double(o) * 365 * 86_400 / Double(max(overridesCount, 1)))
        overrides.append(
            OnCallOverride(
                schedule: "s\(o % schedulesCount)",
                person: people[o % people.count],
                from: from,
                until: from.addingTimeInterval(8 * 3600),
                createdBy: "bench",
                createdAt: start
            )
        )
    }
    let resolver = OnCallResolver(config: config, overrides: overrides)
    let ordered = schedules.values.sorted { $0.id < $1.id }
    let hours = 365 * 24
    var found = 0
    let t0 = Date()
    for s in ordered {
        for h in 0..<hours where resolver.onCall(s, at: start.addingTimeInterval(Double(h) * 3600)) != nil { found += 1 }
    }
    let resolveSeconds = Date().timeIntervalSince(t0)
    // Baseline: the same number of lookups of a flat member list (a role without a schedule).
    let t1 = Date()
    var members = 0
    for _ in ordered { for _ in 0..<hours { members += config.members(ofRoles: ["ops_lead"]).count } }
    let flatSeconds = Date().timeIntervalSince(t1)
    // A declaration's paging step: the Examples' scheduled ops lead (with the 500 overrides in force) against
    // the same role without its schedule.
    var plain = config
    plain.roles["ops_lead"]?.schedule = nil
    func declareSeconds(_ c: BridgeConfiguration, _ o: [OnCallOverride]) -> Double {
        let lifecycle = IncidentLifecycle(config: c, overrides: o)
        let n = 2000
        let t = Date()
        for i in 0..<n {
            _ = lifecycle.declare(
                id: IncidentID("INC-20261201-\(i)"),
                eventType: "db-outage",
                severity: "sev1",
                title: "bench",
                actor: "suzuki",
                at: start.addingTimeInterval(Double(i) * 977),
                origin: .console
            )
        }
        return Date().timeIntervalSince(t) / Double(n)
    }
    let withSchedule = declareSeconds(config, overrides.map { var x = $0; x.schedule = "ops-oncall"; return x })
    let without = declareSeconds(plain, [])
    print(
        """
        oncall: \(schedulesCount) schedules x \(layersCount) layers, \(overridesCount) overrides, \(hours) hourly moments each
          resolve \(ordered.count * hours) moments: \(String(format: "%.3f", resolveSeconds)) s (\(found) with someone on call; target < 1 s)
          per moment: \(String(format: "%.2f", resolveSeconds / Double(ordered.count * hours) * 1e6)) µs; flat member list: \(String(format: "%.3f", flatSeconds / Double(ordered.count * hours) * 1e6)) µs (\(members) members seen)
          declare (lifecycle step, no I/O): scheduled role \(String(format: "%.1f", withSchedule * 1e6)) µs vs flat role \(String(format: "%.1f", without * 1e6)) µs = \(String(format: "%.2f", withSchedule / without))x
        """
    )
}
