import BridgeCore
import Foundation

extension PageRouter {
    static let ogPriority = ["sev1": "P1", "sev2": "P2", "sev3": "P3", "sev4": "P4"]

    /// Opsgenie Alert API: one alert per page (`alias` per incident and step, so a later step's responders are
    /// notified by an alert of their own); acknowledge/close every alias the incident opened.
    func opsgenie(
        _ request: PageRequest,
        _ page: PageStep,
        _ inc: Incident,
        people: [BridgeConfiguration.Person]
    ) -> Payload {
        let key = Self.key(inc, page)
        var body: [String: Any] = ["alias": key, "source": "incident-bridge", "user": "incident-bridge"]
        switch request.action {
        case .trigger:
            body["message"] = String(summary(inc).prefix(130))
            // Opsgenie refuses a description over 15,000 characters; the bridge line goes first so it survives.
            body["description"] = Truncation.cut(
                "Bridge: \(config.bridge.phone) \(config.bridge.url)\n\(inc.title)",
                maxCharacters: 15_000
            )
            body["priority"] = Self.ogPriority[inc.severity] ?? "P3"
            body["responders"] = people.compactMap { p in
                (p.pagers["opsgenie"] ?? p.email).map { ["username": $0, "type": "user"] }
            }
            body["tags"] = [inc.severity, inc.eventType]
            body["details"] = [
                "incident_id": inc.id.rawValue, "step": String(page.step), "round": String(page.round),
            ]
        case .acknowledge: body["note"] = "acknowledged in IncidentBridge"
        case .resolve: body["note"] = "resolved in IncidentBridge"
        }
        let who = people.map(\.name).joined(separator: ", ")
        // One lane per alert (alias): its create, acknowledge and close stay in order, other alerts never wait.
        return Payload(platform: "opsgenie", channel: key, body: body, what: who.isEmpty ? key : "\(who) [\(key)]")
    }
}
