import BridgeChat
import BridgeCore
import Foundation
import Yams

/// Walks the YAML node tree, building a `BridgeConfiguration` and collecting every problem with its key path
/// and line.
struct ConfigReader {
    var issues: [ConfigIssue] = []
    /// When true, RACI rows with zero or several A's are recorded in `relaxed` instead of refusing the file
    /// (`incident-bridge check` lists them as findings with the other holes).
    var lenient = false
    /// Problems lenient mode let through.
    var relaxed: [ConfigIssue] = []
    /// Line of every key path seen (`event_types.db-outage.raci` -> 112), for findings that name the line.
    var lines: [String: Int] = [:]

    static let topLevelKeys: Set<String> = [
        "locale", "timezone", "bridge", "people", "roles", "severities", "event_types", "escalation_policies",
        "agreements", "coverage", "maintenance_windows", "alerts", "chat", "paging", "hypercare", "runbooks", "http",
        "retention", "authorization", "holidays", "schedules",
    ]

    /// The chat platforms, pagers and alert sources whose sections the reader knows (and nothing else).
    var integrations = Integrations.standard

    mutating func fail(_ path: String, _ node: Node?, _ message: String) {
        issues.append(ConfigIssue(path: path, line: node?.mark?.line, message: message))
    }

    /// The pairs of a mapping in file order; records an issue if `node` is not a mapping.
    mutating func pairs(_ node: Node?, _ path: String, allowed: Set<String>? = nil) -> [(String, Node)] {
        guard let node else { return [] }
        if case .scalar(let s) = node, s.string.isEmpty || s.string == "~" || s.string == "null" { return [] }
        guard let mapping = node.mapping else {
            fail(path, node, "expected a mapping of keys to values")
            return []
        }
        var out: [(String, Node)] = []
        if !path.isEmpty, lines[path] == nil, let line = node.mark?.line { lines[path] = line }
        for (k, v) in mapping {
            let key = k.string ?? ""
            if let line = k.mark?.line { lines[path.isEmpty ? key : "\(path).\(key)"] = line }
            if let allowed, !allowed.contains(key) {
                fail(
                    path.isEmpty ? key : "\(path).\(key)",
                    k,
                    "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))"
                )
                continue
            }
            out.append((key, v))
        }
        return out
    }

    func value(_ pairs: [(String, Node)], _ key: String) -> Node? { pairs.first { $0.0 == key }?.1 }

    mutating func string(_ node: Node?, _ path: String, required: Bool = false, parent: Node? = nil) -> String? {
        guard let node else {
            if required { fail(path, parent, "required key is missing") }
            return nil
        }
        guard let s = node.scalar?.string else {
            fail(path, node, "expected a text value")
            return nil
        }
        if required && s.isEmpty { fail(path, node, "must not be empty") }
        return s
    }

    mutating func duration(
        _ node: Node?,
        _ path: String,
        required: Bool = false,
        parent: Node? = nil
    ) -> BridgeDuration? {
        guard let s = string(node, path, required: required, parent: parent) else { return nil }
        guard let d = BridgeDuration(parsing: s) else {
            fail(path, node, "bad duration '\(s)' (use 30s, 15m, 4h or 1h30m)")
            return nil
        }
        return d
    }

    mutating func bool(_ node: Node?, _ path: String) -> Bool? {
        guard let s = string(node, path) else { return nil }
        guard let b = YesNo.parse(s) else {
            fail(path, node, "expected true or false, got '\(s)'")
            return nil
        }
        return b
    }

    mutating func int(_ node: Node?, _ path: String, min: Int = 0, max: Int = Int.max) -> Int? {
        guard let s = string(node, path) else { return nil }
        guard let n = Int(s), n >= min, n <= max else {
            fail(
                path,
                node,
                "expected a whole number from \(min) to \(max == Int.max ? "any" : String(max)), got '\(s)'"
            )
            return nil
        }
        return n
    }

    mutating func strings(_ node: Node?, _ path: String) -> [String] {
        guard let node else { return [] }
        if let s = node.scalar?.string { return s.isEmpty ? [] : [s] }
        guard let seq = node.sequence else {
            fail(path, node, "expected a list")
            return []
        }
        return seq.enumerated().compactMap { i, n in string(n, "\(path)[\(i)]") }
    }

    mutating func read(_ root: Node) -> BridgeConfiguration? {
        let top = pairs(root, "", allowed: Self.topLevelKeys)
        let localeText = string(value(top, "locale"), "locale") ?? "ja"
        let locale = BridgeConfiguration.Locale(rawValue: localeText)
        if locale == nil { fail("locale", value(top, "locale"), "expected ja or en, got '\(localeText)'") }
        let tzText = string(value(top, "timezone"), "timezone") ?? "Asia/Tokyo"
        let tz = TimeZone(identifier: tzText)
        if tz == nil {
            fail("timezone", value(top, "timezone"), "unknown time zone '\(tzText)' (e.g. Asia/Tokyo, UTC)")
        }

        let bridgeNode = value(top, "bridge")
        let b = pairs(bridgeNode, "bridge", allowed: ["phone", "url"])
        let bridge = BridgeConfiguration.Bridge(
            phone: string(value(b, "phone"), "bridge.phone") ?? "",
            url: string(value(b, "url"), "bridge.url") ?? ""
        )

        let people = readPeople(top)
        let roles = readRoles(top, people: people)
        let severities = readSeverities(top, root: root)
        let policies = readPolicies(top, roles: roles)
        let eventTypes = readEventTypes(top, root: root, roles: roles, severities: severities, policies: policies)
        let agreements = readAgreements(top, roles: roles)
        let coverage = readCoverage(top, roles: roles)
        let windows = readMaintenanceWindows(top)
        let (routes, amTokenEnv, alertsOpen) = readAlerts(top, eventTypes: eventTypes, severities: severities)
        let chat = readChat(top)
        let paging = readPaging(top)
        let hypercare = readHypercare(top)

        let rb = pairs(value(top, "runbooks"), "runbooks", allowed: ["directory", "base_url"])
        let runbooks = BridgeConfiguration.RunbookSettings(
            directory: string(value(rb, "directory"), "runbooks.directory") ?? "Runbooks",
            baseURL: string(value(rb, "base_url"), "runbooks.base_url")
        )
        let hp = pairs(
            value(top, "http"),
            "http",
            allowed: [
                "read_token_env", "public_url", "public_pages", "max_connections", "idle_timeout", "header_timeout",
                "body_timeout",
            ]
        )
        var http = BridgeConfiguration.HTTPSettings(
            readTokenEnv: string(value(hp, "read_token_env"), "http.read_token_env"),
            publicURL: string(value(hp, "public_url"), "http.public_url")
        )
        http.publicPages = bool(value(hp, "public_pages"), "http.public_pages") ?? false
        readConnectionLimits(hp, into: &http)
        let authorization = readAuthorization(top, roles: roles)
        let holidays = readHolidays(top)
        let schedules = readSchedules(top, people: people, roles: roles, timeZone: tz ?? TimeZone(identifier: "UTC")!)

        let retention = readRetention(top)
        guard let locale, let tz else { return nil }
        var config = BridgeConfiguration(
            locale: locale,
            timeZone: tz,
            bridge: bridge,
            people: people,
            roles: roles,
            severities: severities,
            eventTypes: eventTypes,
            escalationPolicies: policies,
            agreements: agreements,
            coverage: coverage,
            maintenanceWindows: windows,
            alertRoutes: routes,
            alertTokenEnv: amTokenEnv,
            chat: chat,
            paging: paging,
            hypercare: hypercare,
            runbooks: runbooks,
            http: http
        )
        config.retention = retention
        config.platformTraits = ChatPlatforms.traits(integrations.chat)
        if let source = integrations.alerts.first {
            config.alertDoor = .init(keyPath: "alerts.\(source.id)", route: source.route)
        }
        config.authorization = authorization
        config.holidays = holidays
        config.schedules = schedules
        config.alertsAllowUnauthenticated = alertsOpen
        return config
    }

    /// Platform settings as flat strings; lists become comma-separated text.
    static func isISODate(_ s: String) -> Bool {
        let parts = s.split(separator: "-")
        return parts.count == 3 && parts[0].count == 4 && parts.allSatisfy { $0.allSatisfy(\.isNumber) }
            && (1...12).contains(Int(parts[1]) ?? 0) && (1...31).contains(Int(parts[2]) ?? 0)
    }
}
