import BridgeCore
import Foundation

/// Slack's inbound requests after the signature check: slash commands and Block Kit button clicks.
public enum SlackInbound {
    /// The command of a slash-command form; nil for Slack's `ssl_check` probe.
    public static func slashCommand(_ form: [String: String]) throws(InboundError) -> InboundCommand? {
        if form["ssl_check"] == "1" { return nil }
        guard let user = form["user_id"], let channel = form["channel_id"] else {
            throw InboundError("missing user_id or channel_id")
        }
        return SlashCommand.command(platform: "slack", form: form, channel: channel, user: user)
    }

    /// What a button click asks for; the answer goes to `responseURL` when Slack gave one.
    public enum Action: Sendable, Equatable {
        case command(InboundCommand, responseURL: String?)
        case reply(String, responseURL: String?)
        /// Not a `block_actions` payload: acknowledged and ignored.
        case ignore
    }

    /// The action of an `interactive` payload (the form's `payload` field).
    public static func action(_ form: [String: String], config: BridgeConfiguration) throws(InboundError)
        -> Action
    {
        guard let payloadText = form["payload"],
            let payload = (try? JSONSerialization.jsonObject(with: Data(payloadText.utf8))) as? [String: Any]
        else {
            throw InboundError("missing or malformed payload field")
        }
        guard payload["type"] as? String == "block_actions" else { return .ignore }
        guard let user = (payload["user"] as? [String: Any])?["id"] as? String,
            let action = (payload["actions"] as? [[String: Any]])?.first,
            let actionID = action["action_id"] as? String, let value = action["value"] as? String
        else {
            throw InboundError("block_actions payload without user or action")
        }
        let channel =
            (payload["channel"] as? [String: Any])?["id"] as? String
            ?? (payload["container"] as? [String: Any])?["channel_id"] as? String ?? "unknown"
        let responseURL = payload["response_url"] as? String
        let key = InboundKey.make(
            "slack:action:",
            ids: [payload["trigger_id"] as? String, action["action_ts"] as? String],
            body: Data(payloadText.utf8)
        )
        func command(_ text: String) -> Action {
            .command(
                InboundCommand(ChatCommand(platform: "slack", channel: channel, user: user, text: text), deliveryKey: key),
                responseURL: responseURL
            )
        }
        switch actionID {
        case "incident_ack": return command("ack \(value)")
        case "incident_resolve":
            return command("resolve \(value) \(config.word(.resolvedFromButton, ["platform": "Slack"]))")
        case "incident_update":
            return .reply(config.word(.buttonUpdateHint, ["id": value]), responseURL: responseURL)
        default:
            throw InboundError("unknown action \(actionID)")
        }
    }
}
