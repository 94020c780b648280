import BridgeCore
import Foundation

/// PagerDuty Events API v2: trigger / acknowledge / resolve with `dedup_key` = incident id.
public struct PagerDutyPager: ChatPoster {
    public let platform = "pagerduty"
    public let apiBase: String
    public let routingKey: String
    public let transport: any HTTPTransport
    public init(apiBase: String = "https://events.pagerduty.com", routingKey: String, transport: any HTTPTransport) {
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.routingKey = routingKey
        self.transport = transport
    }

    public func deliver(_ message: OutboxMessage) async throws {
        var body = try PagerHTTP.object(message.text)
        body["routing_key"] = routingKey
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        try await PagerHTTP.send(
            transport,
            HTTPRequest(
                url: "\(apiBase)/v2/enqueue",
                headers: [("Content-Type", "application/json")],
                body: data
            ),
            service: "pagerduty"
        )
    }
}
