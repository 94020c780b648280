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
        guard let form, let channel = form["channel_id"], let user = form["user_name"] ?? form["user_id"] else {
            throw InboundError("body is not a Mattermost slash-command form")
        }
        return SlashCommand.command(platform: "mattermost", form: form, channel: channel, user: user)
    }

    /// A button click: its context must carry the signature the bot put on the button.
    public enum Action: Sendable, Equatable {
        case command(InboundCommand)
        case forged
    }

    /// The command of a button click, or `.forged` when the context's signature is not the bot's.
    public static func action(_ body: Data, key: String, locale: BridgeConfiguration.Locale) throws(InboundError)
        -> Action
    {
        guard let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
            let context = json["context"] as? [String: Any]
        else {
            throw InboundError("body is not a Mattermost action request")
        }
        let action = context["action"] as? String ?? ""
        let incident = context["incident_id"] as? String ?? ""
        let sig = context["sig"] as? String ?? ""
        let expected = MattermostPoster.contextSignature(key: key, action: action, incident: incident)
        guard constantTimeEquals(Array(sig.utf8), Array(expected.utf8)) else { return .forged }
        guard let user = json["user_name"] as? String ?? json["user_id"] as? String,
            let channel = json["channel_id"] as? String
        else {
            throw InboundError("action request without user or channel")
        }
        let text: String
        switch action {
        case "ack": text = "ack \(incident)"
        case "resolve":
            text = "resolve \(incident) \(locale == .ja ? "Mattermostのボタンで復旧" : "resolved from the Mattermost button")"
        default: throw InboundError("unknown action \(action)")
        }
        return .command(
            InboundCommand(
                ChatCommand(platform: "mattermost", channel: channel, user: user, text: text),
                deliveryKey: (json["trigger_id"] as? String).map { "mattermost:action:\($0)" }
            )
        )
    }
}
