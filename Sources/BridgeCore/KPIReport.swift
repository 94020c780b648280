import Foundation

/// Operating KPIs over a period: MTTA, MTTR, first response, sev1 count, SLA compliance, change success,
/// and the hypercare -> BAU verdict.
public struct KPIReport: Sendable, Equatable, Codable {
    public var window: String
    public var incidents: Int
    public var sev1: Int
    /// Mean seconds from declaration to acknowledgement.
    public var mtta: Int?
    /// Mean seconds from declaration to restore (mitigated or resolved, whichever came first).
    public var mttr: Int?
    /// Mean seconds from declaration to the first response (ack, update or mitigation).
    public var firstResponse: Int?
    /// Clock -> (met, total stopped).
    public var slaMet: [String: Int]
    public var slaTotal: [String: Int]
    public var changes: Int
    public var changeSuccessRate: Double?
    /// Failing BAU criteria, empty when ready; nil without hypercare criteria.
    public var bauFailures: [String]?

    public static func compute(config: BridgeConfiguration, incidents: [Incident], changes: [ChangeRecord],
                               now: Date, window: BridgeDuration) -> KPIReport {
        func mean(_ xs: [Double]) -> Int? { xs.isEmpty ? nil : Int((xs.reduce(0, +) / Double(xs.count)).rounded()) }
        let mtta = mean(incidents.compactMap { i in i.acknowledgedAt.map { $0.timeIntervalSince(i.declaredAt) } })
        let mttr = mean(incidents.compactMap { i in
            [i.mitigatedAt, i.resolvedAt].compactMap { $0 }.min().map { $0.timeIntervalSince(i.declaredAt) }
        })
        let fr = mean(incidents.compactMap { i in i.firstResponseAt.map { $0.timeIntervalSince(i.declaredAt) } })
        var met: [String: Int] = [:], total: [String: Int] = [:]
        for i in incidents {
            for c in ClockResult.evaluate(i, config: config, now: now) where c.status != .running {
                total[c.clock.rawValue, default: 0] += 1
                if c.status == .met { met[c.clock.rawValue, default: 0] += 1 }
            }
        }
        let sev1 = incidents.filter { $0.severity == "sev1" }.count
        let rate = changes.isEmpty ? nil : Double(changes.filter(\.success).count) / Double(changes.count)
        var failures: [String]?
        if let h = config.hypercare {
            var f: [String] = []
            if let max = h.mttrMax, let v = mttr, v > max.seconds {
                f.append("MTTR \(BridgeDuration(seconds: v)) > \(max) (over by \(BridgeDuration(seconds: v - max.seconds)))")
            }
            if let max = h.firstResponseMax, let v = fr, v > max.seconds {
                f.append("first response \(BridgeDuration(seconds: v)) > \(max) (over by \(BridgeDuration(seconds: v - max.seconds)))")
            }
            if let max = h.sev1Max, sev1 > max { f.append("sev1 count \(sev1) > \(max) (over by \(sev1 - max))") }
            if let min = h.changeSuccessMin, let r = rate, r < min {
                f.append("change success \(pct(r)) < \(pct(min)) (short by \(pct(min - r)))")
            }
            failures = f
        }
        return KPIReport(window: window.description, incidents: incidents.count, sev1: sev1, mtta: mtta, mttr: mttr,
                         firstResponse: fr, slaMet: met, slaTotal: total, changes: changes.count,
                         changeSuccessRate: rate, bauFailures: failures)
    }

    static func pct(_ x: Double) -> String { "\(Int((x * 1000).rounded()) / 10).\(Int((x * 1000).rounded()) % 10)%" }

    /// A short text report for chat and the CLI.
    public func text(locale: BridgeConfiguration.Locale) -> String {
        func d(_ s: Int?) -> String { s.map { BridgeDuration(seconds: $0).description } ?? "-" }
        func sla(_ c: String) -> String {
            guard let t = slaTotal[c], t > 0 else { return "-" }
            return "\(slaMet[c] ?? 0)/\(t) (\(Self.pct(Double(slaMet[c] ?? 0) / Double(t))))"
        }
        let rate = changeSuccessRate.map(Self.pct) ?? "-"
        var lines: [String]
        if locale == .ja {
            lines = ["KPI（直近 \(window)）", "インシデント: \(incidents)件（sev1: \(sev1)件）",
                     "MTTA: \(d(mtta)) / MTTR: \(d(mttr)) / 初動: \(d(firstResponse))",
                     "SLA達成: 初動 \(sla("first_response")) / 復旧 \(sla("restore"))",
                     "変更成功率: \(rate)（\(changes)件）"]
            if let f = bauFailures {
                lines.append(f.isEmpty ? "判定: BAU移行可" : "判定: BAU移行不可: " + f.joined(separator: "; "))
            }
        } else {
            lines = ["KPI (last \(window))", "Incidents: \(incidents) (sev1: \(sev1))",
                     "MTTA: \(d(mtta)) / MTTR: \(d(mttr)) / first response: \(d(firstResponse))",
                     "SLA met: first response \(sla("first_response")) / restore \(sla("restore"))",
                     "Change success rate: \(rate) (\(changes) changes)"]
            if let f = bauFailures {
                lines.append(f.isEmpty ? "Verdict: ready for BAU" : "Verdict: not ready for BAU: " + f.joined(separator: "; "))
            }
        }
        return lines.joined(separator: "\n")
    }
}
