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

    /// The receiver is often a Mattermost incoming webhook, which refuses a post over 16,383 characters for good
    /// (Slack's take 40,000): the smaller, with some room.
    public static let textLimit = 16_000

    public func deliver(_ message: OutboxMessage) async throws {
        let text = Truncation.cut(message.text, maxCharacters: Self.textLimit)
        var payload: [String: Any] = ["text": text, "kind": message.kind]
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

extension WebhookDialect {
    /// The webhook's post limit: the renderer cuts person or alert text to it.
    public func fits(_ text: String, kind: PostKind) -> Bool {
        text.utf8.count <= WebhookPoster.textLimit || text.unicodeScalars.count <= WebhookPoster.textLimit
    }
}
