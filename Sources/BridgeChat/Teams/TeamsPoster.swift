import BridgeCore
import Foundation

/// Posts outbox rows to a Teams Workflows webhook as an Adaptive Card message.
public struct TeamsPoster: ChatPoster {
    public let platform = "teams"
    public let workflowURL: String
    public let transport: any HTTPTransport
    public let incidentURL: String?

    public init(workflowURL: String, transport: any HTTPTransport, publicURL: String?) {
        self.workflowURL = workflowURL
        self.transport = transport
        self.incidentURL = publicURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    /// Whether `text` makes a card Teams takes: it refuses messages over about 28 KB, and each line is a TextBlock
    /// of its own (about 50 bytes of JSON around it), the text JSON-escaped.
    public static func fits(_ text: String) -> Bool {
        if text.utf8.count > 24_000 { return false }
        let lines = text.utf8.reduce(1) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
        return JSONText.encodedSize(text) + 50 * lines <= 24_000
    }

    /// The webhook envelope: `type: message` with one Adaptive Card attachment.
    public func envelope(for message: OutboxMessage) -> [String: Any] {
        let text = Truncation.cut(message.text, fits: Self.fits)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        var body: [[String: Any]] = []
        for (i, line) in lines.enumerated() {
            var block: [String: Any] = ["type": "TextBlock", "text": line, "wrap": true]
            if i == 0 {
                block["weight"] = "Bolder"
                block["size"] = "Medium"
            }
            body.append(block)
        }
        var card: [String: Any] = [
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
            "version": "1.4", "body": body,
        ]
        if let base = incidentURL, let id = message.incidentID {
            card["actions"] = [["type": "Action.OpenUrl", "title": "Open \(id)", "url": "\(base)/incidents/\(id)"]]
        }
        return [
            "type": "message",
            "attachments": [
                [
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": NSNull(), "content": card,
                ]
            ],
        ]
    }

    public func deliver(_ message: OutboxMessage) async throws {
        let data = try JSONSerialization.data(withJSONObject: envelope(for: message), options: [.sortedKeys])
        let response: HTTPResponse
        do {
            response = try await transport.send(
                HTTPRequest(url: workflowURL, headers: [("Content-Type", "application/json")], body: data)
            )
        } catch {
            throw DeliveryError.retryable("teams: \(error)", retryAfter: nil)
        }
        let text = String(decoding: response.body.prefix(300), as: UTF8.self)
        // A throttled connector may answer 200 with the 429 in the body.
        if response.status == 429 || response.status >= 500 || text.contains("HTTP error 429") {
            throw DeliveryError.retryable(
                "teams: throttled or HTTP \(response.status)",
                retryAfter: response.retryAfter
            )
        }
        guard (200..<300).contains(response.status) else {
            throw DeliveryError.permanent("teams: HTTP \(response.status) \(text)")
        }
    }
}

extension TeamsDialect {
    /// The card size Teams takes: the renderer cuts person or alert text to it.
    public func fits(_ text: String, kind: PostKind) -> Bool { TeamsPoster.fits(text) }
}
