import BridgeAlerts
import BridgeChat
import BridgeCore
import BridgePaging
import Foundation
import Yams

/// `maintenance_windows`, `alerts`, `chat`, `paging`, `retention`: when alerts page, where they come from,
/// where posts and pages go, and how long delivery records are kept.
extension ConfigReader {
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
    ) -> (routes: [BridgeConfiguration.AlertRoute], tokenEnv: String?, open: Bool) {
        var routes: [BridgeConfiguration.AlertRoute] = []
        var amTokenEnv: String?
        var open = false
        let sources = integrations.alerts
        let alerts = pairs(value(top, "alerts"), "alerts", allowed: Set(sources.map(\.id)))
        for (id, am) in alerts {
            let sourcePath = "alerts.\(id)"
            let keys = sources.first { $0.id == id }?.settingKeys ?? AlertSources.commonKeys
            let p = pairs(am, sourcePath, allowed: Set(keys.map(\.name)))
            amTokenEnv = string(value(p, "token_env"), "\(sourcePath).token_env")
            open = bool(value(p, "allow_unauthenticated"), "\(sourcePath).allow_unauthenticated") ?? false
            for (i, n) in (value(p, "routes")?.sequence.map(Array.init) ?? []).enumerated() {
                let path = "\(sourcePath).routes[\(i)]"
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
        return (routes, amTokenEnv, open)
    }

    /// `chat`: each registered platform's section, read through its allowed keys (`ChatPlatform.settingKeys`).
    mutating func readChat(_ top: [(String, Node)]) -> BridgeConfiguration.ChatSettings {
        var chat = BridgeConfiguration.ChatSettings(consoleEnabled: true)
        let platforms = integrations.chat
        for (id, node) in pairs(value(top, "chat"), "chat", allowed: Set(platforms.map(\.id))) {
            guard let platform = platforms.first(where: { $0.id == id }) else { continue }
            let section = readSection(node, "chat.\(id)", platform)
            if id == ConsolePlatform.id {
                chat.consoleEnabled = YesNo.value(section["enabled"], absent: true)
            } else {
                chat.platforms[id] = section
            }
        }
        return chat
    }

    /// `paging`: each registered pager's section, read through its allowed keys (`PagerKind.settingKeys`).
    mutating func readPaging(_ top: [(String, Node)]) -> BridgeConfiguration.PagingSettings {
        var paging = BridgeConfiguration.PagingSettings()
        let pagers = integrations.pagers
        for (id, node) in pairs(value(top, "paging"), "paging", allowed: Set(pagers.map(\.id))) {
            guard let pager = pagers.first(where: { $0.id == id }) else { continue }
            paging.channels[id] = readSection(node, "paging.\(id)", pager)
        }
        return paging
    }

    /// One integration section: only `schema`'s keys, each of its kind (text, URL, yes/no, list, secret
    /// variable name), then the schema's own checks; every problem names the key path and line. The values are
    /// kept as text (lists joined by commas, yes/no as `true`/`false`).
    mutating func readSection(_ node: Node, _ path: String, _ schema: any IntegrationSchema) -> [String: String] {
        let keys = schema.settingKeys
        var out: [String: String] = [:]
        for (k, v) in pairs(node, path, allowed: Set(keys.map(\.name))) {
            guard let key = keys.first(where: { $0.name == k }) else { continue }
            let p = "\(path).\(k)"
            switch key.kind {
            case .list:
                if let seq = v.sequence {
                    out[k] = seq.compactMap { string($0, p) }.joined(separator: ",")
                } else if let s = string(v, p) {
                    out[k] = s
                }
            case .bool:
                if let b = bool(v, p) { out[k] = b ? "true" : "false" }
            case .url:
                guard let s = string(v, p) else { continue }
                if !Self.isAbsoluteURL(s) {
                    fail(p, v, "expected an absolute URL (https://host/...), got '\(s)'")
                }
                out[k] = s
            case .text, .secret:
                out[k] = string(v, p)
            }
        }
        for key in keys where key.required && out[key.name] == nil {
            fail("\(path).\(key.name)", node, "required key is missing")
        }
        for problem in schema.problems(out) {
            let p = problem.key.map { "\(path).\($0)" } ?? path
            fail(p, problem.key.flatMap { k in pairs(node, path).first { $0.0 == k }?.1 } ?? node, problem.message)
        }
        return out
    }

    /// `http://`, `https://`, `smtp://` or `smtps://` with a host.
    static func isAbsoluteURL(_ s: String) -> Bool {
        guard let url = URL(string: s), let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty
        else { return false }
        return ["http", "https", "smtp", "smtps"].contains(scheme)
    }

    /// `retention`: how long sent outbox rows and inbound delivery ids are kept (defaults 30d and 7d).
    /// `authorization`: verb (or `assign_accountable`) -> who may, as one word or a list of words: `anyone`,
    /// `people`, `responders` (the incident's R, A, commander), `deciders` (its A, commander) or role ids.
    mutating func readAuthorization(_ top: [(String, Node)], roles: [String: BridgeConfiguration.Role])
        -> AuthorizationPolicy
    {
        let actions = Set(AuthorizationPolicy.Action.allCases.map(\.rawValue))
        var policy = AuthorizationPolicy()
        for (key, node) in pairs(value(top, "authorization"), "authorization", allowed: actions) {
            let path = "authorization.\(key)"
            let words: [String]
            if let seq = node.sequence {
                words = seq.compactMap { string($0, path) }
            } else {
                words = string(node, path).map { [$0] } ?? []
            }
            var grants: [AuthorizationPolicy.Grant] = []
            for w in words {
                let g = AuthorizationPolicy.Grant(w)
                if case .role(let r) = g, roles[r] == nil {
                    fail(path, node, "unknown role '\(r)' (use anyone, people, responders, deciders or a role id)")
                }
                grants.append(g)
            }
            guard let action = AuthorizationPolicy.Action(rawValue: key) else { continue }
            if grants.contains(.anyone) && !action.readOnly {
                fail(path, node, "'anyone' may only be given read-only verbs (help, list, show, timeline, raci, runbook, kpi)")
            }
            if grants.isEmpty { fail(path, node, "empty rule: nobody could use '\(key)'") }
            policy.rules[action] = grants
        }
        return policy
    }

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
