import BridgeCore
import Foundation

extension PageRouter {
    /// One e-mail per paged person with an address: subject and body in the config's locale.
    func email(_ inc: Incident, people: [BridgeConfiguration.Person]) -> [Payload] {
        people.compactMap { p in
            guard let email = p.email else { return nil }
            let bridge = "\(config.bridge.phone) / \(config.bridge.url)"
            let subject = config.word(.emailSubject, ["summary": summary(inc)])
            let text = config.word(
                .emailBody,
                [
                    "name": p.name, "id": inc.id.rawValue, "title": inc.title, "severity": inc.severity,
                    "bridge": bridge,
                ]
            )
            let body: [String: Any] = ["to": email, "subject": subject, "body": text]
            return Payload(platform: "email", channel: email, body: body, what: p.name)
        }
    }
}
