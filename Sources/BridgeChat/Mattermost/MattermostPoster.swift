import BridgeCore
import Crypto
import Foundation

/// Posts outbox rows to Mattermost: REST API v4 `/api/v4/posts` with a bot token (interactive buttons on the
/// declare post), or an incoming webhook.
public struct MattermostPoster: ChatPoster {
    public let platform = "mattermost"

    /// Mattermost refuses a post over 16,383 characters (code points) for good; some room is left.
    public static let textLimit = 16_000
    static func text(_ message: OutboxMessage) -> String { Truncation.cut(message.text, maxCharacters: textLimit) }
    /// Server URL for the REST API, or nil to use the incoming webhook.
    public let serverURL: String?
    public let botToken: String?
    public let webhookURL: String?
    /// The bot's public base URL for button callbacks (`/mattermost/actions`), if known.
    public let actionsURL: String?
    /// Key that signs button contexts, so a click can be verified on arrival.
    public let actionKey: String?
    public let transport: any HTTPTransport
    /// The button labels' words, in `locale`.
    public let words: Words
    public let locale: BridgeConfiguration.Locale

    public init(
        serverURL: String?,
        botToken: String?,
        webhookURL: String?,
        actionsURL: String?,
        actionKey: String?,
        transport: any HTTPTransport,
        words: Words,
        locale: BridgeConfiguration.Locale
    ) {
        self.serverURL = serverURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        self.botToken = botToken
        self.webhookURL = webhookURL
        self.actionsURL = actionsURL
        self.actionKey = actionKey
        self.transport = transport
        self.words = words
        self.locale = locale
    }

    /// How long a posted button works; later the typed command does the same.
    public static let buttonLifetime: TimeInterval = 24 * 3600

    /// The signature a button context carries: hex HMAC-SHA256 over the action, the incident, the channel the
    /// button was posted to and its expiry (Unix seconds), keyed with the command token. The clicking user
    /// cannot be part of it (nobody knows who will click); the service authorizes that user by their id.
    public static func contextSignature(
        key: String,
        action: String,
        incident: String,
        channel: String,
        expires: Int
    ) -> String {
        hexString(
            HMAC<SHA256>.authenticationCode(
                for: Data("v2\n\(action)\n\(incident)\n\(channel)\n\(expires)".utf8),
                using: SymmetricKey(data: Data(key.utf8))
            )
        )
    }

    /// The `POST /api/v4/posts` body.
    public func body(for message: OutboxMessage) -> [String: Any] {
        var body: [String: Any] = ["channel_id": message.destination.channel, "message": Self.text(message)]
        if let id = message.id { body["pending_post_id"] = "incident-bridge-\(id)" }
        // Buttons need a way back in (the public actions URL) and the key that signs their context.
        if message.kind == PostKind.declare.rawValue, let inc = message.incidentID?.rawValue, let url = actionsURL,
            let actionKey
        {
            let channel = message.destination.channel
            let expires = Int(Date().timeIntervalSince1970 + Self.buttonLifetime)
            let labels = [Word.buttonAck, .buttonResolve].map { words.text($0, in: locale) }
            let actions: [[String: Any]] = [("ack", labels[0], "primary"), ("resolve", labels[1], "danger")].map { a in
                [
                    "id": a.0, "type": "button", "name": a.1, "style": a.2,
                    "integration": [
                        "url": url,
                        "context": [
                            "action": a.0, "incident_id": inc, "channel_id": channel, "expires": expires,
                            "sig": Self.contextSignature(
                                key: actionKey,
                                action: a.0,
                                incident: inc,
                                channel: channel,
                                expires: expires
                            ),
                        ],
                    ],
                ]
            }
            body["props"] = ["attachments": [["text": inc, "actions": actions]]]
        }
        return body
    }

    public func deliver(_ message: OutboxMessage) async throws {
        let request: HTTPRequest
        if let server = serverURL, let token = botToken {
            request = HTTPRequest(
                url: "\(server)/api/v4/posts",
                headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(token)")],
                body: try JSONSerialization.data(withJSONObject: body(for: message), options: [.sortedKeys])
            )
        } else if let hook = webhookURL {
            request = HTTPRequest(
                url: hook,
                headers: [("Content-Type", "application/json")],
                body: try JSONSerialization.data(withJSONObject: ["text": Self.text(message)])
            )
        } else {
            throw DeliveryError.permanent(
                "chat.mattermost: neither url + bot_token_env nor incoming_webhook_url_env is set"
            )
        }
        let response: HTTPResponse
        do {
            response = try await transport.send(request)
        } catch {
            throw DeliveryError.retryable("\(error)", retryAfter: nil)
        }
        if response.status == 429 || response.status >= 500 {
            let reset = Bounds.retryAfter(response.header("X-Ratelimit-Reset").flatMap(Double.init))
            throw DeliveryError.retryable("HTTP \(response.status)", retryAfter: response.retryAfter ?? reset)
        }
        guard (200..<300).contains(response.status) else {
            throw DeliveryError.permanent(
                "mattermost: HTTP \(response.status) \(String(decoding: response.body.prefix(200), as: UTF8.self))"
            )
        }
    }
}

extension MattermostDialect {
    /// Mattermost's post limit: the renderer cuts person or alert text to it.
    public func fits(_ text: String, kind: PostKind) -> Bool {
        text.utf8.count <= MattermostPoster.textLimit || text.unicodeScalars.count <= MattermostPoster.textLimit
    }
}
