import BridgeCore
import Foundation

extension PageRouter {
    static let pdSeverity = ["sev1": "critical", "sev2": "error", "sev3": "warning", "sev4": "info"]

    /// PagerDuty Events v2: trigger with summary, severity and details; acknowledge/resolve by `dedup_key`.
    func pagerDuty(_ request: PageRequest, _ inc: Incident, people: [BridgeConfiguration.Person]) -> Payload {
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
        return Payload(platform: "pagerduty", channel: "events", body: body, what: people.map(\.name).joined(separator: ", "))
    }
}
