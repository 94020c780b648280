import BridgeCore
import Foundation

/// Opsgenie Alert API: create / acknowledge / close by `alias` = incident id.
public struct OpsgeniePager: Pager {
    public let destination = "opsgenie"
    public let apiBase: String
    public let apiKey: String
    public let transport: any HTTPTransport
    public init(apiBase: String = "https://api.opsgenie.com", apiKey: String, transport: any HTTPTransport) {
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.apiKey = apiKey
        self.transport = transport
    }

    public func page(_ message: OutboxMessage) async throws {
        let body = try PagerHTTP.object(message.text)
        let alias = (body["alias"] as? String ?? "").addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? ""
        let url: String
        switch message.kind {
        case "page_trigger": url = "\(apiBase)/v2/alerts"
        case "page_acknowledge": url = "\(apiBase)/v2/alerts/\(alias)/acknowledge?identifierType=alias"
        default: url = "\(apiBase)/v2/alerts/\(alias)/close?identifierType=alias"
        }
        var sent = body
        if message.kind != "page_trigger" { sent.removeValue(forKey: "alias") }
        let data = try JSONSerialization.data(withJSONObject: sent, options: [.sortedKeys])
        try await PagerHTTP.send(
            transport,
            HTTPRequest(
                url: url,
                headers: [
                    ("Content-Type", "application/json"),
                    ("Authorization", "GenieKey \(apiKey)"),
                ],
                body: data
            ),
            service: "opsgenie"
        )
    }
}
