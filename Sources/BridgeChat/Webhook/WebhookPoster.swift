import BridgeCore
import Foundation

/// A notify-only channel: Slack-compatible incoming-webhook JSON (`{"text": ...}`).
public struct WebhookPoster: ChatPoster {
    public let platform = "webhook"
    public let url: String
    public let transport: any HTTPTransport
    public init(url: String, transport: any HTTPTransport) {
        self.url = url
        self.transport = transport
    }

    public func deliver(_ message: OutboxMessage) async throws {
        var payload: [String: Any] = ["text": message.text, "kind": message.kind]
        if let id = message.incidentID { payload["incident_id"] = id.rawValue }
        if let id = message.id { payload["outbox_id"] = id }
        let request = HTTPRequest(
            url: url,
            headers: [("Content-Type", "application/json")],
            body: try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
        )
        _ = try await transport.deliver(request, service: "webhook")
    }
}
