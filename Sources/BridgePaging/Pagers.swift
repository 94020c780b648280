import BridgeCore
import BridgeTransport
import Crypto
import Foundation

/// Shared mapping of HTTP answers to delivery outcomes for pager APIs.
enum PagerHTTP {
    static func send(_ transport: any HTTPTransport, _ request: HTTPRequest, service: String) async throws {
        _ = try await transport.deliver(request, service: service)
    }

    static func object(_ text: String) throws -> [String: Any] {
        guard let o = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw DeliveryError.permanent("malformed page row")
        }
        return o
    }
}

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

/// Opsgenie Alert API: create / acknowledge / close by `alias` = incident id.
public struct OpsgeniePager: ChatPoster {
    public let platform = "opsgenie"
    public let apiBase: String
    public let apiKey: String
    public let transport: any HTTPTransport
    public init(apiBase: String = "https://api.opsgenie.com", apiKey: String, transport: any HTTPTransport) {
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.apiKey = apiKey
        self.transport = transport
    }

    public func deliver(_ message: OutboxMessage) async throws {
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

/// Email pages over SMTP (libcurl): one message per paged person, UTF-8 subject and body.
public struct EmailPager: ChatPoster {
    public let platform = "email"
    public let mailer: CurlMailer
    public let from: String
    public init(mailer: CurlMailer, from: String) {
        self.mailer = mailer
        self.from = from
    }

    public func deliver(_ message: OutboxMessage) async throws {
        let body = try PagerHTTP.object(message.text)
        guard let to = body["to"] as? String, let subject = body["subject"] as? String,
            let text = body["body"] as? String
        else {
            throw DeliveryError.permanent("malformed email page row")
        }
        do {
            try await mailer.send(
                MailMessage(
                    from: from,
                    to: [to],
                    subject: subject,
                    body: text,
                    messageID: message.id.map { "<page-\($0)@incident-bridge>" }
                )
            )
        } catch let e as TransportError {
            if case .invalidRequest = e { throw DeliveryError.permanent("smtp: \(e)") }
            throw DeliveryError.retryable("smtp: \(e)", retryAfter: nil)
        }
    }
}

/// A generic paging webhook: the JSON body signed with HMAC-SHA256 (`X-IncidentBridge-Signature: sha256=<hex>`
/// over `{timestamp}.{body}`, timestamp in `X-IncidentBridge-Timestamp`).
public struct WebhookPager: ChatPoster {
    public let platform = "pagewebhook"
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
        return "sha256="
            + mac.finalize().map {
                String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16)
            }.joined()
    }

    public func deliver(_ message: OutboxMessage) async throws {
        var payload = try PagerHTTP.object(message.text)
        if let id = message.id { payload["delivery_id"] = id }
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
