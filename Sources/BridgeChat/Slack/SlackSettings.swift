import BridgeConfig
import BridgeCore
import Foundation

/// `chat.slack`: the signing secret and the bot token (both required), the incident channel.
public struct SlackSettings: Sendable {
    public var signingSecret: String
    public var botToken: String?
    public var channel: String?
    public var apiBase: String

    public init(_ s: [String: String], secrets: Secrets) throws {
        let path = "chat.slack"
        signingSecret = try secrets.value(
            s,
            "signing_secret_env",
            default: "SLACK_SIGNING_SECRET",
            path: path,
            required: true
        )!
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
