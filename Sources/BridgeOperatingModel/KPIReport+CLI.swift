import BridgeCore
import Foundation

extension KPIReport {
    /// The detailed English report of `incident-bridge kpi`: period, samples, SLA compliance per clock and
    /// every BAU criterion with its verdict and gap.
    public func cliText(timeZone: TimeZone) -> String {
        let time = LocalTime(timeZone)
        func d(_ s: Int?) -> String { s.map { BridgeDuration(seconds: $0).description } ?? "-" }
        func sla(_ clock: String) -> String {
            guard let t = slaTotal[clock], t > 0 else { return "no stopped clocks" }
            let m = slaMet[clock] ?? 0
            return "\(m)/\(t) met (\(Self.pct(Double(m) / Double(t)))), \(t - m) missed"
        }
        let period = [since, until].compactMap { $0 }.map(time.display).joined(separator: " .. ")
        var lines = [
            "KPI: \(window.first?.isNumber == true ? "last " + window : window)"
                + (period.isEmpty ? "" : " (\(period) \(timeZone.identifier))"),
            "Incidents: \(incidents) (sev1: \(sev1), still open: \(open))",
            "MTTA: \(d(mtta)) (declared -> acknowledged, \(acknowledged) incident\(acknowledged == 1 ? "" : "s"))",
            "MTTR: \(d(mttr)) (declared -> mitigated or resolved, \(restored) incident\(restored == 1 ? "" : "s"))",
            "First response: \(d(firstResponse)) (declared -> first ack, update or mitigation)",
            "SLA first response: \(sla(SLAClock.firstResponse.rawValue))",
            "SLA restore: \(sla(SLAClock.restore.rawValue))",
            "Change success rate: "
                + (changeSuccessRate.map { "\(Self.pct($0)) (\(changesSucceeded) of \(changes))" }
                    ?? "- (no change recorded)"),
        ]
        if let criteria {
            lines.append("BAU criteria (hypercare.bau_criteria):")
            for c in criteria {
                let verdict = c.met.map { $0 ? "ok  " : "FAIL" } ?? "n/a "
                let actual = c.actual ?? "no data"
                let gap = c.gap.map { c.comparison == "<=" ? " (over by \($0))" : " (short by \($0))" } ?? ""
                let op = c.met == false ? (c.comparison == "<=" ? ">" : "<") : c.comparison
                lines.append("  \(verdict)  \(c.label) \(actual) \(op) \(c.target)\(gap)")
            }
            let noData = criteria.filter { $0.met == nil }.map(\.label)
            if let f = bauFailures, !f.isEmpty {
                lines.append("Verdict: not ready for BAU: " + f.joined(separator: "; "))
            } else {
                lines.append(
                    "Verdict: ready for BAU"
                        + (noData.isEmpty ? "" : " (no data yet for \(noData.joined(separator: ", ")))")
                )
            }
        } else {
            lines.append("Verdict: - (no hypercare.bau_criteria in the config)")
        }
        return lines.joined(separator: "\n")
    }

    /// The JSON document of `incident-bridge kpi --format json`: seconds and readable durations side by side;
    /// every key is always present (`null` when there is no data).
    public func json(timeZone: TimeZone) -> String {
        let time = LocalTime(timeZone)
        func v(_ x: Any?) -> Any { x ?? NSNull() }
        func d(_ s: Int?) -> Any { v(s.map { BridgeDuration(seconds: $0).description }) }
        var clocks: [String: Any] = [:]
        for clock in SLAClock.allCases.map(\.rawValue) {
            let t = slaTotal[clock] ?? 0
            let m = slaMet[clock] ?? 0
            clocks[clock] = ["met": m, "missed": t - m, "total": t, "rate": v(t == 0 ? nil : Double(m) / Double(t))]
        }
        let doc: [String: Any] = [
            "window": window, "since": v(since.map(time.iso8601)), "until": v(until.map(time.iso8601)),
            "incidents": incidents, "sev1": sev1, "open": open, "acknowledged": acknowledged, "restored": restored,
            "mtta_seconds": v(mtta), "mtta": d(mtta), "mttr_seconds": v(mttr), "mttr": d(mttr),
            "first_response_seconds": v(firstResponse), "first_response": d(firstResponse),
            "sla": clocks, "changes": changes, "changes_succeeded": changesSucceeded,
            "change_success_rate": v(changeSuccessRate),
            "bau_verdict": v(bauFailures.map { $0.isEmpty ? "ready for BAU" : "not ready for BAU" }),
            "bau_failures": v(bauFailures),
            "bau_criteria": v(
                criteria?.map { c -> [String: Any] in
                    [
                        "key": c.key, "label": c.label, "comparison": c.comparison, "target": c.target,
                        "actual": v(c.actual),
                        "met": v(c.met), "gap": v(c.gap),
                    ]
                }
            ),
        ]
        let data =
            (try? JSONSerialization.data(
                withJSONObject: doc,
                options: [
                    .prettyPrinted, .sortedKeys,
                    .withoutEscapingSlashes,
                ]
            )) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
