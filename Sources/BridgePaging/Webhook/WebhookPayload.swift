import BridgeCore
import Foundation

extension PageRouter {
    /// The signed paging webhook: event, incident and the people to reach with their addresses.
    func webhook(_ request: PageRequest, _ inc: Incident, people: [BridgeConfiguration.Person]) -> Payload {
        let body: [String: Any] = [
            "event": request.action.rawValue, "incident_id": inc.id.rawValue,
            "severity": inc.severity, "title": inc.title, "step": request.step, "round": request.page.round,
            "people": people.map { ["id": $0.id, "name": $0.name, "email": $0.email ?? ""] },
        ]
        return Payload(platform: "pagewebhook", channel: "webhook", body: body, what: people.map(\.name).joined(separator: ", "))
    }
}
