import BridgeCore
import Crypto
import Foundation

/// An authentic request that cannot be used (malformed, missing fields, unknown action): the route answers
/// 400 with `reason` and changes nothing.
public struct InboundError: Error, Sendable, Equatable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// A command that came in from a chat platform, with the key that identifies its delivery (so a retried
/// delivery is applied once).
public struct InboundCommand: Sendable, Equatable {
    public var command: ChatCommand
    public var deliveryKey: String?
    /// Where an answer that missed the platform's deadline goes privately (Slack's `response_url`); nil: the
    /// command's channel.
    public var lateReply: Destination?
    public init(_ command: ChatCommand, deliveryKey: String?, lateReply: Destination? = nil) {
        self.command = command
        self.deliveryKey = deliveryKey
        self.lateReply = lateReply
    }
}

/// Delivery keys made from the platform's own ids; when a platform leaves them out, from the body's hash, so a
/// delivery is never without a key (no dedup, no poison guard) and two different ones never share one.
public enum InboundKey {
    /// `prefix` + the ids joined by `:` when every one is present and not empty, else `prefix` + `body:` + SHA-256.
    public static func make(_ prefix: String, ids: [String?], body: Data) -> String {
        let parts = ids.compactMap { $0 }.filter { !$0.isEmpty }
        if parts.count == ids.count, !parts.isEmpty { return prefix + parts.joined(separator: ":") }
        return prefix + "body:" + hexString(SHA256.hash(data: body))
    }
}

/// Slash commands: Slack and Mattermost send the same form fields.
public enum SlashCommand {
    /// The command of a slash-command form (an empty text asks for help); `trigger_id` keys the delivery.
    public static func command(platform: String, form: [String: String], channel: String, user: String)
        -> InboundCommand
    {
        var text = (form["text"] ?? "").isEmpty ? "help" : form["text"]!
        // A second slash command `/oncall` (same request URL) is the `oncall` verb.
        if form["command"] == "/oncall" { text = "oncall " + (form["text"] ?? "") }
        return InboundCommand(
            ChatCommand(platform: platform, channel: channel, user: user, text: text),
            deliveryKey: InboundKey.make(
                "\(platform):command:",
                ids: [form["trigger_id"]],
                body: Data(form.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&").utf8)
            ),
            lateReply: platform == SlackPlatform.id
                ? form["response_url"].flatMap { $0.hasPrefix("https://") ? Destination(platform: "slack_response", channel: $0) : nil }
                : nil
        )
    }
}
