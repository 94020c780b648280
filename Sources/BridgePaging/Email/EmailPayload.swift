import BridgeCore
import Foundation

extension PageRouter {
    /// One e-mail per paged person with an address: subject and body in the config's locale.
    func email(_ inc: Incident, people: [BridgeConfiguration.Person]) -> [Payload] {
        people.compactMap { p in
            guard let email = p.email else { return nil }
            let bridge = "\(config.bridge.phone) / \(config.bridge.url)"
            let subject = ja ? "【障害呼出し】\(summary(inc))" : "[PAGE] \(summary(inc))"
            let lines =
                ja
                ? [
                    "\(p.name) 様", "", "\(inc.id) の対応をお願いします。", "件名: \(inc.title)", "重大度: \(inc.severity)",
                    "ブリッジ: \(bridge)", "", "了解はチャットで /incident ack \(inc.id)",
                ]
                : [
                    "\(p.name),", "", "you are paged for \(inc.id).", "Title: \(inc.title)", "Severity: \(inc.severity)",
                    "Bridge: \(bridge)", "", "Acknowledge in chat: /incident ack \(inc.id)",
                ]
            let body: [String: Any] = ["to": email, "subject": subject, "body": lines.joined(separator: "\n")]
            return Payload(platform: "email", channel: email, body: body, what: p.name)
        }
    }
}
