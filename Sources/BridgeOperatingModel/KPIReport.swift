import BridgeCore
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
    /// Every BAU criterion with its target, actual value, verdict and gap; nil without hypercare criteria.
    public var criteria: [BAUCriterion]? = nil
    /// Start and end of the period.
    public var since: Date? = nil
    public var until: Date? = nil
    /// Incidents still open (not resolved), and how many were acknowledged / restored (the MTTA / MTTR samples).
    public var open: Int = 0
    public var acknowledged: Int = 0
    public var restored: Int = 0
    public var changesSucceeded: Int = 0

    /// One hypercare -> BAU criterion and how the period measured against it.
    public struct BAUCriterion: Sendable, Equatable, Codable {
        /// Config key under `hypercare.bau_criteria`, e.g. `mttr_max`.
        public var key: String
        /// `MTTR`, `first response`, `sev1 count`, `change success`.
        public var label: String
        /// `<=` or `>=`.
        public var comparison: String
        public var target: String
        /// Nil when the period has no data for it (no restored incident, no change).
        public var actual: String?
        /// Nil when there is no data.
        public var met: Bool?
        /// How far off a failing criterion is (`1h10m`, `2`, `45.0%`).
        public var gap: String?
    }

    public static func compute(
        config: BridgeConfiguration,
        incidents: [IncidentTimes],
        changes: [ChangeRecord],
        now: Date,
        window: BridgeDuration
    ) -> KPIReport {
        compute(
            config: config,
            incidents: incidents,
            changes: changes,
            now: now,
            since: now.addingTimeInterval(-window.timeInterval),
            window: window.description
        )
    }

    /// Reads the incidents declared and changes recorded since `since` and computes the report.
    public static func load(
        from store: any IncidentStore,
        config: BridgeConfiguration,
        now: Date,
        since: Date,
        window: String
    ) async throws -> KPIReport {
        let (incidents, changes) = try await store.read { r in
            (try r.incidentTimes(declaredSince: since), try r.changes(since: since))
        }
        return compute(config: config, incidents: incidents, changes: changes, now: now, since: since, window: window)
    }

    /// Computes the KPIs of `incidents` and `changes` over the period `since`..`now` labelled `window`.
    public static func compute(
        config: BridgeConfiguration,
        incidents: [Incident],
        changes: [ChangeRecord],
        now: Date,
        since: Date,
        window: String
    ) -> KPIReport {
        compute(
            config: config,
            incidents: incidents.map(IncidentTimes.init),
            changes: changes,
            now: now,
            since: since,
            window: window
        )
    }

    /// Computes the KPIs of the incidents' moments and `changes` over the period `since`..`now`.
    public static func compute(
        config: BridgeConfiguration,
        incidents: [IncidentTimes],
        changes: [ChangeRecord],
        now: Date,
        since: Date,
        window: String
    ) -> KPIReport {
        func mean(_ xs: [Double]) -> Int? { xs.isEmpty ? nil : Int((xs.reduce(0, +) / Double(xs.count)).rounded()) }
        let mtta = mean(incidents.compactMap { i in i.acknowledgedAt.map { $0.timeIntervalSince(i.declaredAt) } })
        let mttr = mean(
            incidents.compactMap { i in
                [i.mitigatedAt, i.resolvedAt].compactMap { $0 }.min().map { $0.timeIntervalSince(i.declaredAt) }
            }
        )
        let fr = mean(incidents.compactMap { i in i.firstResponseAt.map { $0.timeIntervalSince(i.declaredAt) } })
        var met: [String: Int] = [:]
        var total: [String: Int] = [:]
        for i in incidents {
            for c in ClockResult.evaluate(i, config: config, now: now) where c.status != .running {
                total[c.clock.rawValue, default: 0] += 1
                if c.status == .met { met[c.clock.rawValue, default: 0] += 1 }
            }
        }
        let sev1 = incidents.filter { $0.severity == "sev1" }.count
        let rate = changes.isEmpty ? nil : Double(changes.filter(\.success).count) / Double(changes.count)
        let bau = config.hypercare.map { bauCriteria($0, mttr: mttr, firstResponse: fr, sev1: sev1, changeRate: rate) }
        let failures = bau?.failures
        let criteria = bau?.criteria
        var report = KPIReport(
            window: window,
            incidents: incidents.count,
            sev1: sev1,
            mtta: mtta,
            mttr: mttr,
            firstResponse: fr,
            slaMet: met,
            slaTotal: total,
            changes: changes.count,
            changeSuccessRate: rate,
            bauFailures: failures
        )
        report.criteria = criteria
        report.since = since
        report.until = now
        report.open = incidents.filter { $0.state.isOpen }.count
        report.acknowledged = incidents.filter { $0.acknowledgedAt != nil }.count
        report.restored = incidents.filter { $0.mitigatedAt != nil || $0.resolvedAt != nil }.count
        report.changesSucceeded = changes.filter(\.success).count
        return report
    }

    /// The hypercare exit criteria against the measured figures, and a line per criterion that is not met.
    static func bauCriteria(
        _ h: BridgeConfiguration.Hypercare,
        mttr: Int?,
        firstResponse fr: Int?,
        sev1: Int,
        changeRate rate: Double?
    ) -> (failures: [String], criteria: [BAUCriterion]) {
        var f: [String] = []
        var cs: [BAUCriterion] = []
        func duration(_ key: String, _ label: String, _ max: BridgeDuration?, _ value: Int?) {
            guard let max else { return }
            let actual = value.map { BridgeDuration(seconds: $0) }
            let over = value.map { $0 - max.seconds }
            cs.append(
                BAUCriterion(
                    key: key,
                    label: label,
                    comparison: "<=",
                    target: max.description,
                    actual: actual?.description,
                    met: over.map { $0 <= 0 },
                    gap: over.flatMap { $0 > 0 ? BridgeDuration(seconds: $0).description : nil }
                )
            )
            if let actual, let over, over > 0 {
                f.append("\(label) \(actual) > \(max) (over by \(BridgeDuration(seconds: over)))")
            }
        }
        duration("mttr_max", "MTTR", h.mttrMax, mttr)
        duration("first_response_max", "first response", h.firstResponseMax, fr)
        if let max = h.sev1Max {
            cs.append(
                BAUCriterion(
                    key: "sev1_max",
                    label: "sev1 count",
                    comparison: "<=",
                    target: String(max),
                    actual: String(sev1),
                    met: sev1 <= max,
                    gap: sev1 > max ? String(sev1 - max) : nil
                )
            )
            if sev1 > max { f.append("sev1 count \(sev1) > \(max) (over by \(sev1 - max))") }
        }
        if let min = h.changeSuccessMin {
            cs.append(
                BAUCriterion(
                    key: "change_success_min",
                    label: "change success",
                    comparison: ">=",
                    target: pct(min),
                    actual: rate.map(pct),
                    met: rate.map { $0 >= min },
                    gap: rate.flatMap { $0 < min ? pct(min - $0) : nil }
                )
            )
            if let r = rate, r < min {
                f.append("change success \(pct(r)) < \(pct(min)) (short by \(pct(min - r)))")
            }
        }
        return (f, cs)
    }

    /// The failed BAU criteria in `locale`, one line each (`bauFailures` holds the English lines, kept when a
    /// report carries no criteria).
    func failures(_ words: Words, _ locale: BridgeConfiguration.Locale) -> [String] {
        let labels: [String: Word] = [
            "mttr_max": .kpiMTTR, "first_response_max": .kpiFirstResponse, "sev1_max": .kpiSev1,
            "change_success_min": .kpiChangeSuccess,
        ]
        let lines = (criteria ?? []).filter { $0.met == false }.map { c -> String in
            let label = labels[c.key].map { words.text($0, in: locale) } ?? c.label
            let args = ["label": label, "actual": c.actual ?? "-", "target": c.target, "gap": c.gap ?? "-"]
            return words.text(c.comparison == "<=" ? .kpiOver : .kpiShort, args, in: locale)
        }
        return lines.isEmpty ? (bauFailures ?? []) : lines
    }

    static func pct(_ x: Double) -> String {
        guard x.isFinite, abs(x) < 1e12 else { return "-" }
        let n = Int((x * 1000).rounded())
        return "\(n / 10).\(abs(n % 10))%"
    }

    /// A short text report for chat and the CLI, in `locale`.
    public func text(_ words: Words, locale: BridgeConfiguration.Locale) -> String {
        func d(_ s: Int?) -> String { s.map { BridgeDuration(seconds: $0).description } ?? "-" }
        func sla(_ c: String) -> String {
            guard let t = slaTotal[c], t > 0 else { return "-" }
            return "\(slaMet[c] ?? 0)/\(t) (\(Self.pct(Double(slaMet[c] ?? 0) / Double(t))))"
        }
        func word(_ w: Word, _ args: [String: String] = [:]) -> String { words.text(w, args, in: locale) }
        var lines = [
            word(.kpiHead, ["window": window]),
            word(.kpiIncidents, ["count": String(incidents), "sev1": String(sev1)]),
            word(.kpiTimes, ["mtta": d(mtta), "mttr": d(mttr), "first_response": d(firstResponse)]),
            word(.kpiSLA, ["first_response": sla("first_response"), "restore": sla("restore")]),
            word(.kpiChanges, ["rate": changeSuccessRate.map(Self.pct) ?? "-", "count": String(changes)]),
        ]
        if let f = bauFailures {
            let separator = word(.kpiFailureSeparator)
            lines.append(
                f.isEmpty
                    ? word(.kpiReady)
                    : word(.kpiNotReady, ["failures": failures(words, locale).joined(separator: separator)])
            )
        }
        return lines.joined(separator: "\n")
    }
}
