import BridgeCore
import Foundation

/// Slack Socket Mode's wire format (https://api.slack.com/apis/socket-mode): `apps.connections.open` gives a
/// `wss://` URL; the socket sends `hello`, envelopes (`slash_commands`, `interactive`, `events_api`) that must be
/// acknowledged by `envelope_id` within 3 s, and `disconnect` (`warning`, `refresh_requested`,
/// `link_disabled`, `too_many_websockets`). No signature: the app-level token over TLS is the authentication.
public enum SlackSocketMode {
    /// One message from the socket.
    public enum Message: Sendable, Equatable {
        case hello(connections: Int)
        case envelope(Envelope)
        case disconnect(reason: String)
        /// Anything else (future message types): ignored.
        case other(String)
    }

    /// An envelope: its id, its type and the payload as JSON text.
    public struct Envelope: Sendable, Equatable {
        public var id: String
        public var type: String
        public var payload: Data
        public var acceptsResponsePayload: Bool
        public var retryAttempt: Int
    }

    /// What an envelope asks of the bot.
    public enum Work: Sendable, Equatable {
        /// A slash command: its answer goes into the ack's payload (private to the sender).
        case command(InboundCommand)
        /// A button click: acted on like the `/slack/actions` route (answers go to `response_url`).
        case action(SlackInbound.Action)
        /// Acknowledged and otherwise ignored (events the bot does not use, `ssl_check`).
        case ignore
    }

    public static func parse(_ text: String) throws(InboundError) -> Message {
        guard let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw InboundError("socket message is not a JSON object")
        }
        let type = json["type"] as? String ?? ""
        switch type {
        case "hello":
            return .hello(connections: (json["num_connections"] as? NSNumber)?.intValue ?? 1)
        case "disconnect":
            return .disconnect(reason: json["reason"] as? String ?? "unknown")
        default:
            guard let id = json["envelope_id"] as? String, !id.isEmpty else { return .other(type) }
            let payload = json["payload"].flatMap { try? JSONSerialization.data(withJSONObject: $0) } ?? Data("{}".utf8)
            return .envelope(
                Envelope(
                    id: id,
                    type: type,
                    payload: payload,
                    acceptsResponsePayload: json["accepts_response_payload"] as? Bool ?? false,
                    retryAttempt: (json["retry_attempt"] as? NSNumber)?.intValue ?? 0
                )
            )
        }
    }

    /// The work of an envelope; the sender is the payload's stable user id (`user_id`, `user.id`), as on the
    /// HTTP routes.
    public static func work(_ envelope: Envelope, config: BridgeConfiguration) throws(InboundError) -> Work {
        switch envelope.type {
        case "slash_commands":
            guard let payload = (try? JSONSerialization.jsonObject(with: envelope.payload)) as? [String: Any] else {
                throw InboundError("slash_commands payload is not an object")
            }
            // The same fields as the HTTP form, as JSON strings.
            var form: [String: String] = [:]
            for (k, v) in payload { if let s = v as? String { form[k] = s } }
            return try SlackInbound.slashCommand(form).map(Work.command) ?? .ignore
        case "interactive":
            // The same object the HTTP route gets in its `payload` form field.
            let text = String(decoding: envelope.payload, as: UTF8.self)
            let action = try SlackInbound.action(["payload": text], config: config)
            return action == .ignore ? .ignore : .action(action)
        default:
            return .ignore
        }
    }

    /// The acknowledgement of an envelope, with the slash command's answer as its payload.
    public static func ack(_ envelopeID: String, text: String? = nil) -> String {
        var object: [String: Any] = ["envelope_id": envelopeID]
        if let text { object["payload"] = ["response_type": "ephemeral", "text": text] }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// What `apps.connections.open` said.
    public enum Opened: Sendable, Equatable {
        case url(String)
        /// Rate-limited or unavailable: try again after `after` seconds (Slack's `Retry-After`, else nil).
        case retry(after: Double?, reason: String)
        /// Will not work by retrying (`invalid_auth`, `not_authed`, `link_disabled`, a bot token): stop.
        case refused(String)
    }

    public static func opened(status: Int, headers: [(String, String)], body: Data) -> Opened {
        if status == 429 || status >= 500 {
            let after = headers.first { $0.0.lowercased() == "retry-after" }.flatMap { Bounds.retryAfter(Double($0.1.trimmingCharacters(in: .whitespaces))) }
            return .retry(after: after, reason: status == 429 ? "ratelimited" : "HTTP \(status)")
        }
        guard let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            return .retry(after: nil, reason: "HTTP \(status), body is not JSON")
        }
        if json["ok"] as? Bool == true, let url = json["url"] as? String, url.hasPrefix("wss://") || url.hasPrefix("ws://") {
            return .url(url)
        }
        let error = json["error"] as? String ?? "HTTP \(status)"
        switch error {
        case "ratelimited": return .retry(after: nil, reason: error)
        case "invalid_auth", "not_authed", "not_allowed_token_type", "account_inactive", "token_revoked", "link_disabled",
            "token_expired", "missing_scope":
            return .refused(error)
        default: return .retry(after: nil, reason: error)
        }
    }
}
