import BridgeCore
import Foundation

/// Posts outbox rows to Slack: `chat.postMessage` with the bot token (Block Kit buttons on the declare post),
/// and ephemeral answers to `response_url` destinations (platform `slack_response`).
public struct SlackPoster: ChatPoster {
    public let platform = "slack"
    public let apiBase: String
    public let token: String
    public let transport: any HTTPTransport
    /// The button labels' words, in `locale`.
    public let words: Words
    public let locale: BridgeConfiguration.Locale

    public init(
        apiBase: String,
        token: String,
        transport: any HTTPTransport,
        words: Words,
        locale: BridgeConfiguration.Locale
    ) {
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.token = token
        self.transport = transport
        self.words = words
        self.locale = locale
    }

    /// Slack's limit on a message's `text` is 40,000 characters; some room is left.
    public static let textLimit = 39_000
    /// The declare post's text is also its visible section block, which Slack refuses over 3,000 characters.
    public static let blockLimit = 2_900

    /// Whether a post of `kind` is shown whole: within the block on a declare post, else within the text limit.
    public static func fits(_ text: String, kind: String) -> Bool {
        let limit = kind == PostKind.declare.rawValue ? blockLimit : textLimit
        return text.utf8.count <= limit || text.unicodeScalars.count <= limit
    }

    /// The JSON body of `chat.postMessage` for a row.
    public func body(for message: OutboxMessage) -> [String: Any] {
        var body: [String: Any] = [
            "channel": message.destination.channel,
            "text": Truncation.cut(message.text, maxCharacters: Self.textLimit),
            "unfurl_links": false,
            "unfurl_media": false,
            "metadata": [
                "event_type": "incident_bridge_post",
                "event_payload": ["outbox_id": message.id ?? 0, "incident_id": message.incidentID?.rawValue ?? ""],
            ],
        ]
        if message.kind == PostKind.declare.rawValue, let id = message.incidentID?.rawValue {
            let labels = [Word.buttonAck, .buttonUpdate, .buttonResolve].map { words.text($0, in: locale) }
            body["blocks"] = [
                [
                    "type": "section",
                    "text": ["type": "mrkdwn", "text": Truncation.cut(message.text, maxCharacters: Self.blockLimit)],
                ],
                [
                    "type": "actions", "block_id": "incident_actions",
                    "elements": [
                        button("incident_ack", labels[0], id, style: "primary"),
                        button("incident_update", labels[1], id, style: nil),
                        button("incident_resolve", labels[2], id, style: "danger"),
                    ],
                ],
            ]
        }
        return body
    }

    func button(_ action: String, _ label: String, _ value: String, style: String?) -> [String: Any] {
        var b: [String: Any] = [
            "type": "button", "action_id": action, "value": value,
            "text": ["type": "plain_text", "text": label, "emoji": true],
        ]
        if let style { b["style"] = style }
        return b
    }

    public func deliver(_ message: OutboxMessage) async throws {
        let data = try JSONSerialization.data(withJSONObject: body(for: message), options: [.sortedKeys])
        let request = HTTPRequest(
            method: "POST",
            url: "\(apiBase)/chat.postMessage",
            headers: [
                ("Content-Type", "application/json; charset=utf-8"),
                ("Authorization", "Bearer \(token)"),
            ],
            body: data
        )
        try SlackPoster.check(try await send(request), api: true)
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        do {
            return try await transport.send(request)
        } catch let e as TransportError {
            if case .invalidRequest = e { throw DeliveryError.permanent("\(e)") }
            throw DeliveryError.retryable("\(e)", retryAfter: nil)
        }
    }

    /// Maps Slack's answer to success or a delivery error (429/5xx retry; `ok:false` permanent except rate limits).
    static func check(_ r: HTTPResponse, api: Bool) throws {
        if r.status == 429 || r.status >= 500 {
            throw DeliveryError.retryable("HTTP \(r.status)", retryAfter: r.retryAfter)
        }
        guard (200..<300).contains(r.status) else { throw DeliveryError.permanent("HTTP \(r.status)") }
        guard api else { return }
        let json = (try? JSONSerialization.jsonObject(with: r.body)) as? [String: Any]
        if json?["ok"] as? Bool == true { return }
        let error = json?["error"] as? String ?? "unexpected answer"
        if ["ratelimited", "service_unavailable", "fatal_error", "internal_error", "request_timeout"].contains(error) {
            throw DeliveryError.retryable("slack: \(error)", retryAfter: r.retryAfter)
        }
        throw DeliveryError.permanent("slack: \(error)")
    }
}

/// Answers a Slack interaction privately through its `response_url` (destination channel = the URL).
public struct SlackResponsePoster: ChatPoster {
    public let platform = "slack_response"
    public let transport: any HTTPTransport
    public init(transport: any HTTPTransport) { self.transport = transport }

    public func deliver(_ message: OutboxMessage) async throws {
        let data = try JSONSerialization.data(
            withJSONObject: [
                "response_type": "ephemeral", "replace_original": false,
                "text": Truncation.cut(message.text, maxCharacters: SlackPoster.textLimit),
            ] as [String: Any]
        )
        let request = HTTPRequest(
            url: message.destination.channel,
            headers: [("Content-Type", "application/json; charset=utf-8")],
            body: data
        )
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            throw DeliveryError.retryable("\(error)", retryAfter: nil)
        }
        try SlackPoster.check(response, api: false)
    }
}

extension SlackDialect {
    /// Slack's limits as `SlackPoster` sends a post: the renderer cuts person or alert text to them.
    public func fits(_ text: String, kind: PostKind) -> Bool { SlackPoster.fits(text, kind: kind.rawValue) }
}
