import Foundation

/// What to tell the pagers: trigger (declare, escalation step), acknowledge, resolve.
public enum PageAction: String, Sendable, Codable, Equatable {
    case trigger, acknowledge, resolve
}

/// A page the lifecycle asks for: an action and, for triggers, the people to reach.
public struct PageRequest: Sendable, Equatable {
    public var action: PageAction
    public var people: [String]
    /// 0 for the declaration, n for the n-th escalation step.
    public var step: Int
    public init(action: PageAction, people: [String] = [], step: Int = 0) {
        self.action = action
        self.people = people
        self.step = step
    }
}

/// Turns page requests into outbox rows for every configured pager channel (PagerDuty, Opsgenie, email,
/// webhook). Rows hold the request body without secrets; the posters add keys at delivery time.
public struct PageRouter: Sendable {
    public var config: BridgeConfiguration
    public init(config: BridgeConfiguration) { self.config = config }

    var ja: Bool { config.locale == .ja }

    static let pdSeverity = ["sev1": "critical", "sev2": "error", "sev3": "warning", "sev4": "info"]
    static let ogPriority = ["sev1": "P1", "sev2": "P2", "sev3": "P3", "sev4": "P4"]

    func json(_ object: Any) -> String {
        String(
            decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8),
            as: UTF8.self
        )
    }

    func summary(_ inc: Incident) -> String {
        let type = config.eventTypes[inc.eventType]?.name ?? inc.eventType
        return "\(inc.id) [\(inc.severity)] \(inc.title) (\(type))"
    }

    /// Outbox rows and their timeline entries for one request.
    public func rows(
        for request: PageRequest,
        incident inc: Incident,
        now: Date
    ) -> (rows: [OutboxMessage], timeline: [TimelineEntry]) {
        var rows: [OutboxMessage] = []
        var entries: [TimelineEntry] = []
        let people = request.people.compactMap { config.people[$0] }
        let names = people.map(\.name).joined(separator: ", ")
        func add(_ platform: String, _ channel: String, _ body: String, _ what: String) {
            var m = OutboxMessage(
                incidentID: inc.id,
                destination: Destination(platform: platform, channel: channel),
                kind: "page_\(request.action.rawValue)",
                text: body,
                mentions: request.people,
                createdAt: now
            )
            m.nextAttemptAt = now
            rows.append(m)
            entries.append(
                TimelineEntry(
                    incidentID: inc.id,
                    at: now,
                    actor: "bot",
                    kind: .page,
                    text: "\(request.action.rawValue) via \(platform)\(what.isEmpty ? "" : ": \(what)") (queued)"
                )
            )
        }
        let channels = config.paging.channels
        if channels["pagerduty"] != nil {
            var body: [String: Any] = [
                "event_action": request.action.rawValue, "dedup_key": inc.id.rawValue,
                "client": "incident-bridge",
            ]
            if request.action == .trigger {
                body["payload"] = [
                    "summary": String(summary(inc).prefix(1024)), "source": "incident-bridge",
                    "severity": Self.pdSeverity[inc.severity] ?? "error",
                    "custom_details": [
                        "incident_id": inc.id.rawValue, "event_type": inc.eventType,
                        "paged": people.map(\.name), "step": request.step,
                        "bridge": "\(config.bridge.phone) \(config.bridge.url)",
                    ],
                ]
                if let url = config.http.publicURL {
                    body["links"] = [["href": "\(url)/incidents/\(inc.id)", "text": "Incident timeline"]]
                }
            }
            add("pagerduty", "events", json(body), names)
        }
        if channels["opsgenie"] != nil {
            var body: [String: Any] = [
                "alias": inc.id.rawValue, "source": "incident-bridge", "user": "incident-bridge",
            ]
            switch request.action {
            case .trigger:
                body["message"] = String(summary(inc).prefix(130))
                body["description"] = "\(inc.title)\nBridge: \(config.bridge.phone) \(config.bridge.url)"
                body["priority"] = Self.ogPriority[inc.severity] ?? "P3"
                body["responders"] = people.compactMap { p in
                    (p.opsgenie ?? p.email).map { ["username": $0, "type": "user"] }
                }
                body["tags"] = [inc.severity, inc.eventType]
                body["details"] = ["incident_id": inc.id.rawValue, "step": String(request.step)]
            case .acknowledge: body["note"] = "acknowledged in IncidentBridge"
            case .resolve: body["note"] = "resolved in IncidentBridge"
            }
            add("opsgenie", "alerts", json(body), names)
        }
        if channels["email"] != nil, request.action == .trigger {
            for p in people {
                guard let email = p.email else { continue }
                let subject = ja ? "【障害呼出し】\(summary(inc))" : "[PAGE] \(summary(inc))"
                let lines =
                    ja
                    ? [
                        "\(p.name) 様", "", "\(inc.id) の対応をお願いします。", "件名: \(inc.title)", "重大度: \(inc.severity)",
                        "ブリッジ: \(config.bridge.phone) / \(config.bridge.url)", "", "了解はチャットで /incident ack \(inc.id)",
                    ]
                    : [
                        "\(p.name),", "", "you are paged for \(inc.id).", "Title: \(inc.title)",
                        "Severity: \(inc.severity)",
                        "Bridge: \(config.bridge.phone) / \(config.bridge.url)", "",
                        "Acknowledge in chat: /incident ack \(inc.id)",
                    ]
                add(
                    "email",
                    email,
                    json(["to": email, "subject": subject, "body": lines.joined(separator: "\n")]),
                    p.name
                )
            }
        }
        if channels["webhook"] != nil {
            add(
                "pagewebhook",
                "webhook",
                json([
                    "event": request.action.rawValue, "incident_id": inc.id.rawValue,
                    "severity": inc.severity, "title": inc.title, "step": request.step,
                    "people": people.map { ["id": $0.id, "name": $0.name, "email": $0.email ?? ""] },
                ]),
                names
            )
        }
        return (rows, entries)
    }
}
