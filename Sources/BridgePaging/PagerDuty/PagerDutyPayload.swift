import BridgeCore
import Foundation

extension PageRouter {
    static let pdSeverity = ["sev1": "critical", "sev2": "error", "sev3": "warning", "sev4": "info"]

    /// PagerDuty Events v2: one alert per page (`dedup_key` per incident and step, so a later step is a new
    /// alert that notifies again), trigger with summary, severity and details; acknowledge/resolve per key. The
    /// step's roles ride along so the poster can pick a routing key per role.
    func pagerDuty(
        _ request: PageRequest,
        _ page: PageStep,
        _ inc: Incident,
        people: [BridgeConfiguration.Person]
    ) -> Payload {
        let key = Self.key(inc, page)
        var body: [String: Any] = [
            "event_action": request.action.rawValue, "dedup_key": key,
            "client": "incident-bridge", PagerDutyPager.rolesField: roles(request, inc, page),
        ]
        // Acknowledge/resolve go to every configured service: the alert was opened on the key its step's role
        // had then, which a config change since may have moved (PagerDuty ignores events for unknown keys).
        if request.action != .trigger { body[PagerDutyPager.allKeysField] = true }
        if request.action == .trigger {
            body["payload"] = [
                "summary": String(summary(inc).prefix(1024)), "source": "incident-bridge",
                "severity": Self.pdSeverity[inc.severity] ?? "error",
                "custom_details": [
                    "incident_id": inc.id.rawValue, "event_type": inc.eventType,
                    "paged": people.map(\.name), "step": page.step, "round": page.round,
                    "bridge": "\(config.bridge.phone) \(config.bridge.url)",
                ],
            ]
            if let url = config.http.publicURL {
                body["links"] = [["href": "\(url)/incidents/\(inc.id)", "text": "Incident timeline"]]
            }
        }
        let who = people.map(\.name).joined(separator: ", ")
        // One lane per alert: its trigger, acknowledge and resolve stay in order, other alerts never wait.
        return Payload(platform: "pagerduty", channel: key, body: body, what: who.isEmpty ? key : "\(who) [\(key)]")
    }
}
