import BridgeCore
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
            deliveryKey: form["trigger_id"].map { "\(platform):command:\($0)" },
            lateReply: platform == "slack"
                ? form["response_url"].flatMap { $0.hasPrefix("https://") ? Destination(platform: "slack_response", channel: $0) : nil }
                : nil
        )
    }
}
