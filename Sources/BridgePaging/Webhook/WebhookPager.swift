import BridgeCore
import Crypto
import Foundation

/// A generic paging webhook: the JSON body signed with HMAC-SHA256 (`X-IncidentBridge-Signature: sha256=<hex>`
/// over `{timestamp}.{body}`, timestamp in `X-IncidentBridge-Timestamp`).
public struct WebhookPager: Pager {
    public let destination = "pagewebhook"
    public let url: String
    public let secret: String?
    public let transport: any HTTPTransport
    public let now: @Sendable () -> Date
    public init(
        url: String,
        secret: String?,
        transport: any HTTPTransport,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.url = url
        self.secret = secret
        self.transport = transport
        self.now = now
    }

    /// `sha256=` + hex HMAC of `timestamp.body`.
    public static func signature(secret: String, timestamp: String, body: Data) -> String {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: Data(secret.utf8)))
        mac.update(data: Data("\(timestamp).".utf8))
        mac.update(data: body)
        return "sha256=" + hexString(mac.finalize())
    }

    public func page(_ message: OutboxMessage) async throws {
        var payload = try PagerHTTP.object(message.text)
        payload["delivery_id"] = message.deliveryKey
        let body = try JSONSerialization.data(withJSONObject: payload, options: [.sortedKeys])
        var headers = [("Content-Type", "application/json")]
        if let secret {
            let ts = String(Int(now().timeIntervalSince1970))
            headers.append(("X-IncidentBridge-Timestamp", ts))
            headers.append(("X-IncidentBridge-Signature", Self.signature(secret: secret, timestamp: ts, body: body)))
        }
        try await PagerHTTP.send(transport, HTTPRequest(url: url, headers: headers, body: body), service: "webhook")
    }
}
