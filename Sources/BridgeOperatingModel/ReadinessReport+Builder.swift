import BridgeCore
import Foundation

/// The items of the readiness review, one function each.
extension ReadinessReport {
    /// Computes each item; `fail` beats `unknown` beats `pass`.
    struct Builder {
        var config: BridgeConfiguration
        var check: OperatingModelReport
        var drills: [DrillRecord]?
        var templatesDirectory: String?
        var files: any FileProbe

        var time: LocalTime { LocalTime(config.timeZone) }

        /// A part with a nil status is a note: shown, but it does not change the verdict.
        func item(_ letter: String, _ title: String, _ parts: [(Status?, String, String?)]) -> Item {
            func prefix(_ s: Status?) -> String {
                switch s {
                case .pass: "ok: "
                case .fail: "FAIL: "
                case .unknown: "unknown: "
                case nil: "note: "
                }
            }
            return Item(
                letter: letter,
                title: title,
                status: parts.compactMap { $0.0 }.max() ?? .unknown,
                evidence: parts.map { prefix($0.0) + $0.1 },
                todo: parts.compactMap { $0.0 == .pass || $0.0 == nil ? nil : $0.2 }
            )
        }

        func findingLines(_ areas: Set<ModelFinding.Area>, level: ModelFinding.Level? = nil) -> [ModelFinding] {
            check.findings(in: areas).filter { level == nil || $0.level == level }
        }

        /// The drill evidence for `kind`: the latest result decides; up to three recent runs are listed.
        func drill(_ kind: DrillKind, todo: String) -> (Status?, String, String?) {
            guard let drills else {
                return (.unknown, "no database: recorded \(kind.rawValue) drills are not available", todo)
            }
            let runs = drills.filter { $0.kind == kind.rawValue }.sorted { $0.at > $1.at }
            guard let last = runs.first else {
                return (
                    .fail, "no \(kind.rawValue) drill recorded (`/incident drill \(kind.rawValue) <result> [minutes]`)",
                    todo
                )
            }
            let status = ReadinessReport.classify(drillResult: last.result)
            let shown = runs.prefix(3).map { d in
                "\(time.display(d.at)) \(d.result)\(d.minutes.map { " \($0) min" } ?? "") by \(d.actor)"
            }
            let text =
                "\(kind.rawValue) drill\(runs.count == 1 ? "" : "s") (\(runs.count), latest first): "
                + shown.joined(separator: "; ")
                + (status == .unknown ? " (result '\(last.result)' not understood: record ok or failed)" : "")
            return (status, text, status == .pass ? nil : todo)
        }

        func cells(_ item: String) -> (Status?, String, String?) {
            let cs = check.coverage.cells.filter { $0.item == item }
            let holes = cs.filter(\.isHole)
            let text =
                "coverage \(item): "
                + cs.map { c in
                    "\(c.layer) "
                        + (c.isHole
                            ? "HOLE (\(c.holes.joined(separator: ", ")))"
                            : "\(c.owner ?? "-") \(c.status)\(c.sla.map { " \($0)" } ?? "")")
                }.joined(separator: "; ")
            return (
                holes.isEmpty ? .pass : .fail, text,
                holes.isEmpty
                    ? nil
                    : "decide owner and contract status of "
                        + holes.map { "coverage.\($0.layer).\($0.item)" }.joined(separator: ", ")
            )
        }

        func monitoring() -> Item {
            var parts: [(Status?, String, String?)] = []
            let routes = config.alertRoutes
            if routes.isEmpty {
                parts.append(
                    (
                        .fail, "alerts.alertmanager.routes: none: alerts open no incident",
                        "route Alertmanager alerts to event types under alerts.alertmanager.routes"
                    )
                )
            } else {
                let types = Set(routes.map(\.eventType)).sorted()
                parts.append(
                    (
                        .pass,
                        "alerts.alertmanager.routes: \(routes.count) routes to \(types.count) event types ("
                            + types.joined(separator: ", ") + ")"
                            + (routes.contains(where: \.isDefault) ? ", with a default route" : ", no default route"),
                        nil
                    )
                )
            }
            parts.append(cells("monitoring"))
            let noPolicy = config.eventTypes.values.filter { $0.escalation == nil }.map(\.id).sorted()
            parts.append(
                noPolicy.isEmpty
                    ? (
                        .pass,
                        "notification paths: every event type has an escalation policy ("
                            + config.escalationPolicies.keys.sorted().joined(separator: ", ") + ")", nil
                    )
                    : (
                        .fail, "event types without an escalation policy: \(noPolicy.joined(separator: ", "))",
                        "give \(noPolicy.joined(separator: ", ")) an escalation policy"
                    )
            )
            let channels =
                config.chat.platforms.keys.sorted().map { "chat.\($0)" }
                + config.paging.channels.keys.sorted().map { "paging.\($0)" }
            let reach = findingLines([.reachability])
            if let w = reach.first(where: { $0.level == .warning }) ?? reach.first {
                parts.append(
                    (
                        .fail, "\(w.path): \(w.message)",
                        "configure a chat platform or a pager that reaches people at night"
                    )
                )
            } else {
                parts.append((.pass, "channels: \(channels.joined(separator: ", ")); every role member reachable", nil))
            }
            parts.append(
                (
                    nil, "thresholds live in the Prometheus/Alertmanager rules, not in bridge.yaml: review them there",
                    nil
                )
            )
            return item("a", "Monitoring items, thresholds and notification paths defined", parts)
        }

        func recoveryDryRun() -> Item {
            var parts: [(Status?, String, String?)] = [
                drill(
                    .recoveryDryRun,
                    todo: "run a recovery dry-run from the runbook and record "
                        + "`/incident drill recovery-dry-run ok <minutes>`"
                )
            ]
            let rb = findingLines([.runbooks])
            let runbooks = check.checked.first { $0.hasPrefix("Runbooks:") }
            parts.append(
                rb.isEmpty
                    ? (.pass, runbooks ?? "runbooks present", nil)
                    : (
                        .fail, "runbooks: " + rb.map(\.description).joined(separator: "; "),
                        "write the missing runbooks"
                    )
            )
            return item("b", "Recovery procedure dry-run done", parts)
        }

        func backupRestore() -> Item {
            item(
                "c",
                "Backup restore verified on real hardware",
                [
                    drill(
                        .restore,
                        todo: "restore a backup on real hardware and record `/incident drill restore ok <minutes>`"
                    ),
                    cells("backup"),
                ]
            )
        }

        func access() -> Item {
            var parts: [(Status?, String, String?)] = [cells("access")]
            if let dir = check.runbookDirectory,
                let files = files.contents(ofDirectory: dir),
                let rb = files.sorted().first(where: { $0.lowercased().contains("access") })
            {
                parts.append((.pass, "access runbook: \(dir)/\(rb)", nil))
            } else {
                parts.append(
                    (
                        .unknown,
                        "no runbook with 'access' in its name in \(check.runbookDirectory ?? "the runbook folder")",
                        "write the access request/grant procedure as a runbook (who requests, who approves, who grants)"
                    )
                )
            }
            return item("d", "Access request and grant flow", parts)
        }

        func communication() -> Item {
            var parts: [(Status?, String, String?)] = []
            let b = config.bridge
            parts.append(
                b.phone.isEmpty && b.url.isEmpty
                    ? (.fail, "bridge: no phone and no URL", "set bridge.phone and bridge.url")
                    : (.pass, "bridge: \([b.phone, b.url].filter { !$0.isEmpty }.joined(separator: " · "))", nil)
            )
            if let dir = templatesDirectory {
                let file = ((dir as NSString).appendingPathComponent(config.locale.rawValue) as NSString)
                    .appendingPathComponent("declare.mustache")
                parts.append(
                    files.fileExists(file)
                        ? (
                            .pass,
                            "template \(file): posted at every declaration with the bridge, R and A, "
                                + "SLA deadlines and runbook links", nil
                        )
                        : (.fail, "template \(file) is missing", "add the declaration template")
                )
            } else {
                parts.append((.unknown, "templates folder not found", "install Templates/<locale>/declare.mustache"))
            }
            let comms = config.eventTypes.values.sorted { $0.id < $1.id }
                .filter { $0.runbooks.contains { $0.lowercased().contains("communication") } }.map(\.id)
            if !comms.isEmpty {
                parts.append((.pass, "communication runbook referenced by \(comms.joined(separator: ", "))", nil))
            }
            return item("e", "Major-incident communication template ready", parts)
        }

        func kpi() -> Item {
            guard let h = config.hypercare else {
                return item(
                    "f",
                    "KPI dashboard",
                    [(.fail, "hypercare: not set", "set hypercare.start, days and bau_criteria")]
                )
            }
            var criteria: [String] = []
            if let v = h.mttrMax { criteria.append("MTTR <= \(v)") }
            if let v = h.firstResponseMax { criteria.append("first response <= \(v)") }
            if let v = h.sev1Max { criteria.append("sev1 count <= \(v)") }
            if let v = h.changeSuccessMin { criteria.append("change success >= \(KPIReport.pct(v))") }
            return item(
                "f",
                "KPI dashboard",
                [
                    criteria.isEmpty
                        ? (
                            .fail, "hypercare.bau_criteria: none",
                            "agree BAU criteria (mttr_max, first_response_max, sev1_max, change_success_min)"
                        )
                        : (
                            .pass,
                            "hypercare from \(h.start) for \(h.days) days; BAU criteria: \(criteria.joined(separator: ", "))",
                            nil
                        ),
                    (
                        .pass,
                        "`incident-bridge kpi` and `/incident kpi` report MTTA, MTTR, first response, sev1 count, "
                            + "SLA compliance per clock and change success; `GET /metrics` feeds Prometheus/Grafana",
                        nil
                    ),
                ]
            )
        }

        func vendorSLA() -> Item {
            var parts: [(Status?, String, String?)] = []
            let ucs = config.agreements.filter { $0.kind == .uc }
            if !config.agreements.contains(where: { $0.kind == .sla }) || ucs.isEmpty {
                parts.append(
                    (
                        .fail, "agreements: \(config.agreements.count) (need an SLA and the vendors' UCs)",
                        "write the user-facing SLA and each supplier's UC under agreements"
                    )
                )
            }
            for f in findingLines([.chain]) {
                parts.append(
                    f.level == .error
                        ? (.fail, f.description, "fix \(f.path)")
                        : (.unknown, f.description, "review \(f.path) with the supplier")
                )
            }
            for line in check.checked where line.hasPrefix("Chain:") {
                parts.append((.pass, String(line.dropFirst("Chain: ".count)), nil))
            }
            return item("g", "Vendor SLA consistency checked", parts)
        }

        func contactTree() -> Item {
            var parts: [(Status?, String, String?)] = [
                drill(
                    .contactTree,
                    todo: "call down the contact tree (every R and A, night shift included) and "
                        + "record `/incident drill contact-tree ok <minutes>`"
                )
            ]
            let errors = findingLines([.raci, .roles, .reachability, .escalation], level: .error)
            parts.append(
                errors.isEmpty
                    ? (.pass, "RACI, roles and escalation policies: no errors in `check`", nil)
                    : (
                        .fail, errors.map(\.description).joined(separator: "; "),
                        "fix the RACI/contact errors of `check`"
                    )
            )
            for line in check.checked where line.hasPrefix("Escalation ") { parts.append((.pass, line, nil)) }
            for w in findingLines([.raci, .escalation, .reachability], level: .warning) {
                parts.append((nil, "warning: \(w)", nil))
            }
            return item("h", "Contact tree and escalation tested", parts)
        }
    }
}
