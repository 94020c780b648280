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

    /// How far an activity's `timestamp` may be from now, either way (Slack's rule). The inbound delivery ids are
    /// kept far longer (`retention.inbound`, at least 1 h, default 7 days), so a replay inside the window is
    /// caught by its id and one outside it by this check.
    public static let replayWindow: TimeInterval = 300

    /// Why a signed request is refused: a missing or stale timestamp is a replay (401), anything else malformed.
    public struct Refusal: Error, Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case stale, malformed }
        public var kind: Kind
        public var reason: String
        public init(_ kind: Kind, _ reason: String) {
            self.kind = kind
            self.reason = reason
        }
    }

    /// The command a verified message activity carries, if its `timestamp` (else `localTimestamp`) is within
    /// `replayWindow` of `now`. The sender is their Azure AD object id (`aadObjectId`, config
    /// `people.<id>.teams_id`), never the display name; without one the Bot Framework id stands in and matches
    /// nobody.
    public static func command(_ body: Data, now: Date) throws(Refusal) -> InboundCommand {
        guard let activity = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
            throw Refusal(.malformed, "body is not a Teams message activity")
        }
        guard let sent = timestamp(activity["timestamp"] as? String ?? activity["localTimestamp"] as? String) else {
            throw Refusal(.stale, "Teams activity without a valid timestamp")
        }
        guard abs(now.timeIntervalSince(sent)) <= replayWindow else {
            throw Refusal(.stale, "Teams activity timestamp outside the 5-minute window")
        }
        guard let text = activity["text"] as? String, let from = activity["from"] as? [String: Any] else {
            throw Refusal(.malformed, "body is not a Teams message activity")
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
            deliveryKey: InboundKey.make("teams:\(channel):", ids: [activity["id"] as? String], body: body)
        )
    }

    /// An ISO 8601 date-time with a `Z` or `±hh:mm` offset and any number of fractional digits (Teams sends 3 or
    /// 7), or nil. The fraction is dropped: a second is far below the window.
    public static func timestamp(_ text: String?) -> Date? {
        guard var text, text.utf8.count <= 64 else { return nil }
        if let dot = text.firstIndex(of: ".") {
            let digits = text[text.index(after: dot)...].prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty else { return nil }
            text.removeSubrange(dot..<digits.endIndex)
        }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}
