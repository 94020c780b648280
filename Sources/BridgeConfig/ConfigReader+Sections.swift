// Over 450 lines on purpose: one reader per top-level section of bridge.yaml, kept side by side so every key
// path and its validation can be found in one file.
import BridgeCore
import Foundation
import Yams

/// One reader per top-level section of bridge.yaml.
extension ConfigReader {
    /// `people`: each person's name, e-mail and handles on every chat platform and pager.
    mutating func readPeople(_ top: [(String, Node)]) -> [String: BridgeConfiguration.Person] {
        var people: [String: BridgeConfiguration.Person] = [:]
        let personKeys = Set(["name", "email"] + Self.chatHandleKeys + Self.pagerHandleKeys)
        for (id, node) in pairs(value(top, "people"), "people") {
            let p = pairs(node, "people.\(id)", allowed: personKeys)
            func s(_ k: String) -> String? { value(p, k)?.scalar?.string }
            for k in personKeys where value(p, k) != nil { _ = string(value(p, k), "people.\(id).\(k)") }
            people[id] = .init(
                id: id,
                name: string(value(p, "name"), "people.\(id).name", required: true, parent: node) ?? id,
                email: s("email"),
                handles: Self.chatHandleKeys.reduce(into: [:]) { $0[$1] = s($1) },
                pagers: Self.pagerHandleKeys.reduce(into: [:]) { $0[$1] = s($1) }
            )
        }
        return people
    }

    /// `roles`: members must be people.
    mutating func readRoles(_ top: [(String, Node)], people: [String: BridgeConfiguration.Person]) -> [String: BridgeConfiguration.Role] {
        var roles: [String: BridgeConfiguration.Role] = [:]
        for (id, node) in pairs(value(top, "roles"), "roles") {
            let p = pairs(node, "roles.\(id)", allowed: ["name", "members"])
            let membersNode = value(p, "members")
            let members = strings(membersNode, "roles.\(id).members")
            if let seq = membersNode?.sequence {
                for (i, n) in seq.enumerated() where people[n.scalar?.string ?? ""] == nil {
                    fail(
                        "roles.\(id).members[\(i)]",
                        n,
                        "unknown person '\(n.scalar?.string ?? "")' (not under people)"
                    )
                }
            } else if let m = members.first, people[m] == nil {
                fail("roles.\(id).members", membersNode, "unknown person '\(m)' (not under people)")
            }
            roles[id] = .init(id: id, name: string(value(p, "name"), "roles.\(id).name") ?? id, members: members)
        }
        return roles
    }

    /// `severities`: response, restore and update targets; at least one.
    mutating func readSeverities(_ top: [(String, Node)], root: Node) -> [String: BridgeConfiguration.Severity] {
        var severities: [String: BridgeConfiguration.Severity] = [:]
        for (id, node) in pairs(value(top, "severities"), "severities") {
            let path = "severities.\(id)"
            let p = pairs(
                node,
                path,
                allowed: ["name", "first_response", "restore", "update_every", "page", "warn_at"]
            )
            var warnAt = [0.5, 0.8]
            if let w = value(p, "warn_at") {
                warnAt = strings(w, "\(path).warn_at").compactMap { s in
                    guard let d = Double(s), d > 0, d < 1 else {
                        fail("\(path).warn_at", w, "fractions must be between 0 and 1, got '\(s)'")
                        return nil
                    }
                    return d
                }
            }
            severities[id] = .init(
                id: id,
                name: string(value(p, "name"), "\(path).name") ?? id,
                firstResponse: duration(
                    value(p, "first_response"),
                    "\(path).first_response",
                    required: true,
                    parent: node
                ) ?? .minutes(30),
                restore: duration(value(p, "restore"), "\(path).restore", required: true, parent: node) ?? .hours(4),
                updateEvery: duration(value(p, "update_every"), "\(path).update_every", required: true, parent: node)
                    ?? .minutes(30),
                page: bool(value(p, "page"), "\(path).page") ?? false,
                warnAt: warnAt
            )
        }
        if severities.isEmpty {
            fail("severities", value(top, "severities") ?? root, "at least one severity is required")
        }
        return severities
    }

    /// `escalation_policies`: steps of roles to notify, each with its acknowledgement window.
    mutating func readPolicies(_ top: [(String, Node)], roles: [String: BridgeConfiguration.Role]) -> [String: BridgeConfiguration.EscalationPolicy] {
        var policies: [String: BridgeConfiguration.EscalationPolicy] = [:]
        for (id, node) in pairs(value(top, "escalation_policies"), "escalation_policies") {
            let path = "escalation_policies.\(id)"
            let p = pairs(node, path, allowed: ["steps", "repeat"])
            var steps: [BridgeConfiguration.EscalationPolicy.Step] = []
            let stepsNode = value(p, "steps")
            if let seq = stepsNode?.sequence {
                for (i, stepNode) in seq.enumerated() {
                    let sp = "\(path).steps[\(i)]"
                    let s = pairs(stepNode, sp, allowed: ["notify", "ack_within"])
                    let notifyNode = value(s, "notify")
                    let notify = strings(notifyNode, "\(sp).notify")
                    if notify.isEmpty {
                        fail("\(sp).notify", notifyNode ?? stepNode, "name at least one role to notify")
                    }
                    for r in notify where roles[r] == nil {
                        fail("\(sp).notify", notifyNode, "unknown role '\(r)' (not under roles)")
                    }
                    let ack = duration(value(s, "ack_within"), "\(sp).ack_within", required: true, parent: stepNode)
                    if let ack, ack.seconds <= 0 {
                        fail("\(sp).ack_within", value(s, "ack_within"), "must be longer than 0s")
                    }
                    steps.append(.init(notify: notify, ackWithin: ack ?? .minutes(15)))
                }
            } else {
                fail("\(path).steps", stepsNode ?? node, "expected a list of steps")
            }
            policies[id] = .init(
                id: id,
                steps: steps,
                repeatCount: int(value(p, "repeat"), "\(path).repeat", max: 100) ?? 0
            )
        }
        return policies
    }

    /// `event_types`: RACI rows with exactly one A, default severity, escalation and runbooks.
    mutating func readEventTypes(
        _ top: [(String, Node)],
        root: Node,
        roles: [String: BridgeConfiguration.Role],
        severities: [String: BridgeConfiguration.Severity],
        policies: [String: BridgeConfiguration.EscalationPolicy]
    ) -> [String: BridgeConfiguration.EventType] {
        var eventTypes: [String: BridgeConfiguration.EventType] = [:]
        for (id, node) in pairs(value(top, "event_types"), "event_types") {
            let path = "event_types.\(id)"
            let p = pairs(node, path, allowed: ["name", "severity", "raci", "escalation", "runbooks"])
            let sevNode = value(p, "severity")
            let sev = string(sevNode, "\(path).severity") ?? severities.keys.sorted().last ?? "sev3"
            if severities[sev] == nil, !severities.isEmpty {
                fail("\(path).severity", sevNode ?? node, "unknown severity '\(sev)' (not under severities)")
            }
            var raci: [(role: String, letter: BridgeConfiguration.RACILetter)] = []
            let raciNode = value(p, "raci")
            for (role, letterNode) in pairs(raciNode, "\(path).raci") {
                let l = string(letterNode, "\(path).raci.\(role)") ?? ""
                guard let letter = BridgeConfiguration.RACILetter(rawValue: l.uppercased()) else {
                    fail("\(path).raci.\(role)", letterNode, "expected R, A, C or I, got '\(l)'")
                    continue
                }
                if roles[role] == nil {
                    fail("\(path).raci.\(role)", letterNode, "unknown role '\(role)' (not under roles)")
                }
                raci.append((role, letter))
            }
            let aCount = raci.filter { $0.letter == .A }.count
            if aCount != 1 {
                let who = raci.filter { $0.letter == .A }.map(\.role).joined(separator: ", ")
                let issue = ConfigIssue(
                    path: "\(path).raci",
                    line: (raciNode ?? node).mark?.line,
                    message: aCount == 0
                        ? "no A: exactly one role must be accountable"
                        : "\(aCount) A's (\(who)): exactly one role must be accountable"
                )
                if lenient { relaxed.append(issue) } else { issues.append(issue) }
            }
            let escNode = value(p, "escalation")
            let esc = string(escNode, "\(path).escalation")
            if let esc, policies[esc] == nil {
                fail(
                    "\(path).escalation",
                    escNode,
                    "unknown escalation policy '\(esc)' (not under escalation_policies)"
                )
            }
            eventTypes[id] = .init(
                id: id,
                name: string(value(p, "name"), "\(path).name") ?? id,
                severity: sev,
                raci: raci,
                escalation: esc,
                runbooks: strings(value(p, "runbooks"), "\(path).runbooks")
            )
        }
        if eventTypes.isEmpty {
            fail("event_types", value(top, "event_types") ?? root, "at least one event type is required")
        }
        return eventTypes
    }

    /// `agreements`: SLA, OLA and UC targets between roles.
    mutating func readAgreements(_ top: [(String, Node)], roles: [String: BridgeConfiguration.Role]) -> [BridgeConfiguration.Agreement] {
        var agreements: [BridgeConfiguration.Agreement] = []
        if let node = value(top, "agreements") {
            if let seq = node.sequence {
                let keys: Set<String> = [
                    "id", "kind", "name", "first_response", "restore", "update_every",
                    "escalate_within", "start_within", "from", "to", "party",
                ]
                for (i, n) in seq.enumerated() {
                    let path = "agreements[\(i)]"
                    let p = pairs(n, path, allowed: keys)
                    let kindText = string(value(p, "kind"), "\(path).kind", required: true, parent: n) ?? ""
                    let kind = BridgeConfiguration.Agreement.Kind(rawValue: kindText)
                    if kind == nil && !kindText.isEmpty {
                        fail("\(path).kind", value(p, "kind"), "expected sla, ola or uc, got '\(kindText)'")
                    }
                    for k in ["from", "to", "party"] {
                        if let r = value(p, k)?.scalar?.string, roles[r] == nil {
                            fail("\(path).\(k)", value(p, k), "unknown role '\(r)' (not under roles)")
                        }
                    }
                    let id = string(value(p, "id"), "\(path).id", required: true, parent: n) ?? "agreement\(i)"
                    agreements.append(
                        .init(
                            id: id,
                            kind: kind ?? .sla,
                            name: string(value(p, "name"), "\(path).name") ?? id,
                            firstResponse: duration(value(p, "first_response"), "\(path).first_response"),
                            restore: duration(value(p, "restore"), "\(path).restore"),
                            updateEvery: duration(value(p, "update_every"), "\(path).update_every"),
                            escalateWithin: duration(value(p, "escalate_within"), "\(path).escalate_within"),
                            startWithin: duration(value(p, "start_within"), "\(path).start_within"),
                            from: value(p, "from")?.scalar?.string,
                            to: value(p, "to")?.scalar?.string,
                            party: value(p, "party")?.scalar?.string,
                            keyPath: path
                        )
                    )
                }
            } else {
                fail("agreements", node, "expected a list of agreements")
            }
        }
        return agreements
    }

    /// `coverage`: the contract-coverage matrix, layer x item.
    mutating func readCoverage(_ top: [(String, Node)], roles: [String: BridgeConfiguration.Role]) -> [BridgeConfiguration.CoverageCell] {
        var coverage: [BridgeConfiguration.CoverageCell] = []
        for (layer, layerNode) in pairs(
            value(top, "coverage"),
            "coverage",
            allowed: Set(BridgeConfiguration.coverageLayers)
        ) {
            for (item, cellNode) in pairs(
                layerNode,
                "coverage.\(layer)",
                allowed: Set(BridgeConfiguration.coverageItems)
            ) {
                let path = "coverage.\(layer).\(item)"
                let p = pairs(cellNode, path, allowed: ["owner", "status", "sla"])
                let owner = string(value(p, "owner"), "\(path).owner")
                if let owner, !owner.isEmpty, roles[owner] == nil {
                    fail("\(path).owner", value(p, "owner"), "unknown role '\(owner)' (not under roles)")
                }
                let st = string(value(p, "status"), "\(path).status") ?? "undecided"
                let status = BridgeConfiguration.CoverageCell.Status(rawValue: st)
                if status == nil {
                    fail(
                        "\(path).status",
                        value(p, "status"),
                        "expected contracted, in_house or undecided, got '\(st)'"
                    )
                }
                coverage.append(
                    .init(
                        layer: layer,
                        item: item,
                        owner: owner?.isEmpty == true ? nil : owner,
                        status: status ?? .undecided,
                        sla: string(value(p, "sla"), "\(path).sla"),
                        line: cellNode.mark?.line ?? 0
                    )
                )
            }
        }
        return coverage
    }

    /// `maintenance_windows`: weekly or nth-weekday windows in which alerts do not page.
    mutating func readMaintenanceWindows(_ top: [(String, Node)]) -> [BridgeConfiguration.MaintenanceWindow] {
        var windows: [BridgeConfiguration.MaintenanceWindow] = []
        if let node = value(top, "maintenance_windows") {
            let weekdays = ["sun": 1, "mon": 2, "tue": 3, "wed": 4, "thu": 5, "fri": 6, "sat": 7]
            for (i, n) in (node.sequence.map(Array.init) ?? []).enumerated() {
                let path = "maintenance_windows[\(i)]"
                let p = pairs(n, path, allowed: ["name", "weekday", "week_of_month", "start", "end"])
                let wdText = (string(value(p, "weekday"), "\(path).weekday", required: true, parent: n) ?? "")
                    .lowercased()
                let wd = weekdays[String(wdText.prefix(3))]
                if wd == nil && !wdText.isEmpty {
                    fail("\(path).weekday", value(p, "weekday"), "expected mon..sun, got '\(wdText)'")
                }
                func hm(_ key: String) -> Int? {
                    guard let s = string(value(p, key), "\(path).\(key)", required: true, parent: n) else { return nil }
                    let parts = s.split(separator: ":")
                    guard parts.count == 2, let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h),
                        (0..<60).contains(m)
                    else {
                        fail("\(path).\(key)", value(p, key), "expected HH:MM, got '\(s)'")
                        return nil
                    }
                    return h * 60 + m
                }
                let start = hm("start")
                let end = hm("end")
                windows.append(
                    .init(
                        name: string(value(p, "name"), "\(path).name") ?? "maintenance",
                        weekday: wd ?? 1,
                        weekOfMonth: int(value(p, "week_of_month"), "\(path).week_of_month", min: 1, max: 5),
                        start: start ?? 0,
                        end: end ?? 0
                    )
                )
            }
            if node.sequence == nil { fail("maintenance_windows", node, "expected a list of windows") }
        }
        return windows
    }

    /// `alerts.alertmanager`: the bearer token variable and the label routes to event types.
    mutating func readAlerts(
        _ top: [(String, Node)],
        eventTypes: [String: BridgeConfiguration.EventType],
        severities: [String: BridgeConfiguration.Severity]
    ) -> (routes: [BridgeConfiguration.AlertRoute], tokenEnv: String?) {
        var routes: [BridgeConfiguration.AlertRoute] = []
        var amTokenEnv: String?
        let alerts = pairs(value(top, "alerts"), "alerts", allowed: ["alertmanager"])
        if let am = value(alerts, "alertmanager") {
            let p = pairs(am, "alerts.alertmanager", allowed: ["token_env", "routes"])
            amTokenEnv = string(value(p, "token_env"), "alerts.alertmanager.token_env")
            for (i, n) in (value(p, "routes")?.sequence.map(Array.init) ?? []).enumerated() {
                let path = "alerts.alertmanager.routes[\(i)]"
                let r = pairs(
                    n,
                    path,
                    allowed: ["match", "match_re", "event_type", "severity", "auto_mitigate", "default"]
                )
                var match: [String: String] = [:]
                var matchRe: [String: String] = [:]
                for (k, v) in pairs(value(r, "match"), "\(path).match") {
                    match[k] = string(v, "\(path).match.\(k)") ?? ""
                }
                for (k, v) in pairs(value(r, "match_re"), "\(path).match_re") {
                    let pattern = string(v, "\(path).match_re.\(k)") ?? ""
                    if (try? NSRegularExpression(pattern: pattern)) == nil {
                        fail("\(path).match_re.\(k)", v, "bad regular expression '\(pattern)'")
                    }
                    matchRe[k] = pattern
                }
                let et = string(value(r, "event_type"), "\(path).event_type", required: true, parent: n) ?? ""
                if !et.isEmpty, eventTypes[et] == nil, !eventTypes.isEmpty {
                    fail(
                        "\(path).event_type",
                        value(r, "event_type"),
                        "unknown event type '\(et)' (not under event_types)"
                    )
                }
                let sev = string(value(r, "severity"), "\(path).severity")
                if let sev, severities[sev] == nil {
                    fail("\(path).severity", value(r, "severity"), "unknown severity '\(sev)'")
                }
                routes.append(
                    .init(
                        match: match,
                        matchRegex: matchRe,
                        eventType: et,
                        severity: sev,
                        autoMitigate: bool(value(r, "auto_mitigate"), "\(path).auto_mitigate") ?? false,
                        isDefault: bool(value(r, "default"), "\(path).default") ?? false
                    )
                )
            }
        }
        return (routes, amTokenEnv)
    }

    /// `chat`: each platform's settings as flat text (secrets are named by `*_env` keys).
    mutating func readChat(_ top: [(String, Node)]) -> BridgeConfiguration.ChatSettings {
        var chat = BridgeConfiguration.ChatSettings(consoleEnabled: true)
        let chatPairs = pairs(
            value(top, "chat"),
            "chat",
            allowed: ["slack", "mattermost", "matrix", "teams", "webhook", "console"]
        )
        for (platform, node) in chatPairs {
            let flat = flatten(node, "chat.\(platform)")
            if platform == "console" {
                chat.consoleEnabled = flat["enabled"].map { ["true", "yes", "on"].contains($0.lowercased()) } ?? true
            } else {
                chat.platforms[platform] = flat
            }
        }
        return chat
    }

    /// `paging`: each pager's settings as flat text.
    mutating func readPaging(_ top: [(String, Node)]) -> BridgeConfiguration.PagingSettings {
        var paging = BridgeConfiguration.PagingSettings()
        for (channel, node) in pairs(
            value(top, "paging"),
            "paging",
            allowed: ["pagerduty", "opsgenie", "email", "webhook"]
        ) {
            paging.channels[channel] = flatten(node, "paging.\(channel)")
        }
        return paging
    }

    /// `hypercare`: the period and the criteria for leaving it.
    mutating func readHypercare(_ top: [(String, Node)]) -> BridgeConfiguration.Hypercare? {
        var hypercare: BridgeConfiguration.Hypercare?
        if let h = value(top, "hypercare") {
            let p = pairs(h, "hypercare", allowed: ["start", "days", "bau_criteria"])
            let c = pairs(
                value(p, "bau_criteria"),
                "hypercare.bau_criteria",
                allowed: ["mttr_max", "first_response_max", "sev1_max", "change_success_min"]
            )
            var rate: Double?
            if let n = value(c, "change_success_min") {
                let s = string(n, "hypercare.bau_criteria.change_success_min") ?? ""
                rate = Double(s)
                if rate == nil || rate! < 0 || rate! > 1 {
                    fail("hypercare.bau_criteria.change_success_min", n, "expected a fraction from 0 to 1, got '\(s)'")
                }
            }
            let start = string(value(p, "start"), "hypercare.start", required: true, parent: h) ?? ""
            if !start.isEmpty, !Self.isISODate(start) {
                fail("hypercare.start", value(p, "start"), "expected YYYY-MM-DD, got '\(start)'")
            }
            hypercare = .init(
                start: start,
                days: int(value(p, "days"), "hypercare.days", min: 1, max: 365) ?? 30,
                mttrMax: duration(value(c, "mttr_max"), "hypercare.bau_criteria.mttr_max"),
                firstResponseMax: duration(value(c, "first_response_max"), "hypercare.bau_criteria.first_response_max"),
                sev1Max: int(value(c, "sev1_max"), "hypercare.bau_criteria.sev1_max"),
                changeSuccessMin: rate
            )
        }
        return hypercare
    }

    /// `retention`: how long sent outbox rows and inbound delivery ids are kept (defaults 30d and 7d).
    mutating func readRetention(_ top: [(String, Node)]) -> BridgeConfiguration.Retention {
        let p = pairs(value(top, "retention"), "retention", allowed: ["outbox_sent", "inbound"])
        var r = BridgeConfiguration.Retention()
        if let d = duration(value(p, "outbox_sent"), "retention.outbox_sent") { r.outboxSent = d }
        if let d = duration(value(p, "inbound"), "retention.inbound") { r.inbound = d }
        for (key, d) in [("outbox_sent", r.outboxSent), ("inbound", r.inbound)] where d.seconds < 3600 {
            fail("retention.\(key)", value(p, key), "must be at least 1h (a retried delivery must still find its id)")
        }
        return r
    }
}
