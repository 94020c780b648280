import BridgeCore
import Crypto
import Foundation

/// Microsoft Teams outgoing webhooks: HMAC verification and the command in a message activity.
public enum TeamsWebhook {
    /// Checks `Authorization: HMAC <base64>` = base64(HMAC-SHA256(body, base64-decoded secret)) in constant time.
    public static func verify(authorization: String?, body: Data, secret: String) -> Bool {
        guard let auth = authorization, auth.hasPrefix("HMAC "), let key = Data(base64Encoded: secret) else {
            return false
        }
        let mac = Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: key))).base64EncodedString()
        return constantTimeEquals(Array(auth.dropFirst(5).utf8), Array(mac.utf8))
    }

    /// The message text without the bot's `<at>...</at>` mention.
    public static func commandText(_ text: String) -> String {
        var t = text
        while let open = t.range(of: "<at>"), let close = t.range(of: "</at>", range: open.upperBound..<t.endIndex) {
            t.removeSubrange(open.lowerBound..<close.upperBound)
        }
        return t.replacingOccurrences(of: "&nbsp;", with: " ").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The command a verified message activity carries. The sender is their Azure AD object id (`aadObjectId`,
    /// config `people.<id>.teams_id`), never the display name; without one the Bot Framework id stands in and
    /// matches nobody.
    public static func command(_ body: Data) throws(InboundError) -> InboundCommand {
        guard let activity = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
            let text = activity["text"] as? String,
            let from = activity["from"] as? [String: Any]
        else {
            throw InboundError("body is not a Teams message activity")
        }
        let user = (from["aadObjectId"] as? String).flatMap { $0.isEmpty ? nil : $0 }
            ?? "bf:" + (from["id"] as? String ?? "unknown")
        let channel =
            ((activity["channelData"] as? [String: Any])?["channel"] as? [String: Any])?["id"] as? String
            ?? (activity["conversation"] as? [String: Any])?["id"] as? String ?? "teams"
        var commandText = commandText(text)
        if commandText.isEmpty { commandText = "help" }
        return InboundCommand(
            ChatCommand(platform: "teams", channel: channel, user: user, text: commandText),
            deliveryKey: (activity["id"] as? String).map { "teams:\(channel):\($0)" }
        )
    }
}
