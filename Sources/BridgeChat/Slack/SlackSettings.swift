import BridgeCore
import Foundation

/// `chat.slack`: the bot token (required), the incident channel, and how commands come in: signed HTTP
/// requests (the signing secret, required then) or Socket Mode (`socket_mode: true`, the app-level token,
/// required then; no inbound port).
public struct SlackSettings: Sendable {
    public var signingSecret: String?
    public var botToken: String?
    public var channel: String?
    public var apiBase: String
    /// Commands and buttons over Slack's Socket Mode WebSocket instead of the `/slack/*` routes.
    public var socketMode: Bool
    /// The app-level token (`xapp-...`, scope `connections:write`) that opens Socket Mode connections.
    public var appToken: String?

    public init(_ s: [String: String], secrets: Secrets) throws {
        let path = "chat.slack"
        socketMode = YesNo.value(s["socket_mode"])
        signingSecret = try secrets.value(
            s,
            "signing_secret_env",
            default: "SLACK_SIGNING_SECRET",
            path: path,
            required: !socketMode  // Socket Mode has no inbound request to verify
        )
        appToken = try secrets.value(s, "app_token_env", default: "SLACK_APP_TOKEN", path: path, required: socketMode)
        if socketMode, let t = appToken, !t.hasPrefix("xapp-") {
            throw SettingsError(
                message: "\(path).app_token_env: \(s["app_token_env"] ?? "SLACK_APP_TOKEN") is not an app-level token "
                    + "(xapp-...): create one under Basic Information > App-Level Tokens with connections:write"
            )
        }
        botToken = try secrets.value(
            s,
            "bot_token_env",
            default: "SLACK_BOT_TOKEN",
            path: path,
            required: true  // without it channel posts would be marked sent while going nowhere
        )
        channel = s["channel"]
        apiBase = s["api_base"] ?? "https://slack.com/api"
    }
}

/// Slack mrkdwn: `&`, `<`, `>` as entities (so `<!channel>` and links cannot be forged), `<@U123>` mentions.
public struct SlackDialect: PlatformDialect {
    public init() {}
    public func escape(_ text: String) -> String { Entities.escape(text, ampersand: true) }
    public func mention(_ p: BridgeConfiguration.Person) -> String { p.handle("slack").map { "<@\($0)>" } ?? p.name }
}
