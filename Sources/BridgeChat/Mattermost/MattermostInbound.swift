import BridgeCore
import Foundation

/// Mattermost's inbound requests: slash commands (command token) and interactive buttons (signed context).
public enum MattermostInbound {
    /// True when the slash command carries the command token, in `Authorization: Token ...` or the form.
    public static func authorized(authorization: String?, form: [String: String]?, token: String) -> Bool {
        let expected = Array(token.utf8)
        if let auth = authorization, auth.hasPrefix("Token "),
            constantTimeEquals(Array(auth.dropFirst(6).utf8), expected)
        {
            return true
        }
        if let given = form?["token"] { return constantTimeEquals(Array(given.utf8), expected) }
        return false
    }

    /// The command of an authorized slash-command form.
    public static func slashCommand(_ form: [String: String]?) throws(InboundError) -> InboundCommand {
        // The user id, never `user_name`: a user can rename themselves to a colleague's name.
        guard let form, let channel = form["channel_id"], let user = form["user_id"], !user.isEmpty else {
            throw InboundError("body is not a Mattermost slash-command form (no channel_id or user_id)")
        }
        return SlashCommand.command(platform: "mattermost", form: form, channel: channel, user: user)
    }

    /// A button click: its context must carry the signature the bot put on the button.
    public enum Action: Sendable, Equatable {
        case command(InboundCommand)
        case forged
    }

    /// The command of a button click, or `.forged` when the context is not one the bot signed, was posted to
    /// another channel, or has expired. Only the signed context is read before the check.
    public static func action(
        _ body: Data,
        key: String,
        config: BridgeConfiguration,
        now: Date = Date()
    ) throws(InboundError) -> Action {
        guard let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
            let context = json["context"] as? [String: Any]
        else {
            throw InboundError("body is not a Mattermost action request")
        }
        let action = context["action"] as? String ?? ""
        let incident = context["incident_id"] as? String ?? ""
        let signedChannel = context["channel_id"] as? String ?? ""
        let expires = (context["expires"] as? NSNumber)?.intValue ?? 0
        let sig = context["sig"] as? String ?? ""
        let expected = MattermostPoster.contextSignature(
            key: key,
            action: action,
            incident: incident,
            channel: signedChannel,
            expires: expires
        )
        guard constantTimeEquals(Array(sig.utf8), Array(expected.utf8)), Double(expires) > now.timeIntervalSince1970,
            json["channel_id"] as? String == signedChannel
        else { return .forged }
        guard let user = json["user_id"] as? String, !user.isEmpty else {
            throw InboundError("action request without user_id")
        }
        let text: String
        switch action {
        case "ack": text = "ack \(incident)"
        case "resolve":
            text = "resolve \(incident) \(config.word(.resolvedFromButton, ["platform": "Mattermost"]))"
        default: throw InboundError("unknown action \(action)")
        }
        return .command(
            InboundCommand(
                ChatCommand(platform: "mattermost", channel: signedChannel, user: user, text: text),
                // Keyed by the signature, not the (unsigned) trigger id: a signed context acts once, so a
                // captured click replayed with another user id is a repeat, not a second command.
                deliveryKey: "mattermost:action:\(sig)"
            )
        )
    }
}
