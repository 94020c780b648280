import BridgeCore
import Foundation
import Yams

/// `people`, `roles`, `severities`, `escalation_policies`, `event_types`: who is involved and how an incident
/// runs (RACI with exactly one A, targets, escalation steps).
extension ConfigReader {
    /// `people`: each person's name, e-mail and handles on every chat platform and pager.
    mutating func readPeople(_ top: [(String, Node)]) -> [String: BridgeConfiguration.Person] {
        var people: [String: BridgeConfiguration.Person] = [:]
        let handleKeys = integrations.handleKeys
        let pagerKeys = Set(integrations.pagers.compactMap(\.handleKey))
        let personKeys = Set(["name", "email"] + handleKeys)
        for (id, node) in pairs(value(top, "people"), "people") {
            let p = pairs(node, "people.\(id)", allowed: personKeys)
            func s(_ k: String) -> String? { value(p, k)?.scalar?.string }
            for k in personKeys where value(p, k) != nil { _ = string(value(p, k), "people.\(id).\(k)") }
            people[id] = .init(
                id: id,
                name: string(value(p, "name"), "people.\(id).name", required: true, parent: node) ?? id,
                email: s("email"),
                handles: handleKeys.filter { !pagerKeys.contains($0) }.reduce(into: [:]) { $0[$1] = s($1) },
                pagers: pagerKeys.reduce(into: [:]) { $0[$1] = s($1) }
            )
        }
        return people
    }

    /// `roles`: members must be people.
    mutating func readRoles(_ top: [(String, Node)], people: [String: BridgeConfiguration.Person]) -> [String: BridgeConfiguration.Role] {
        var roles: [String: BridgeConfiguration.Role] = [:]
        for (id, node) in pairs(value(top, "roles"), "roles") {
            let p = pairs(node, "roles.\(id)", allowed: ["name", "members", "schedule"])
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
            roles[id] = .init(
                id: id,
                name: string(value(p, "name"), "roles.\(id).name") ?? id,
                members: members,
                schedule: string(value(p, "schedule"), "roles.\(id).schedule")
            )
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
}
