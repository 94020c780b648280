import BridgeConfig
import BridgeCore
import Foundation

/// `chat.mattermost`: the slash-command token (required), the server URL with a bot token, or an incoming
/// webhook, and the channel.
public struct MattermostSettings: Sendable {
    public var commandToken: String
    public var url: String?
    public var botToken: String?
    public var channelID: String?
    public var webhookURL: String?

    public init(_ m: [String: String], secrets: Secrets) throws {
        let path = "chat.mattermost"
        webhookURL = try secrets.value(m, "incoming_webhook_url_env", path: path, required: false)
        commandToken = try secrets.value(
            m,
            "command_token_env",
            default: "MATTERMOST_COMMAND_TOKEN",
            path: path,
            required: true
        )!
        url = m["url"]
        botToken = try secrets.value(
            m,
            "bot_token_env",
            default: "MATTERMOST_BOT_TOKEN",
            path: path,
            required: m["url"] != nil && webhookURL == nil
        )
        channelID = m["channel_id"]
    }
}

/// Mattermost markdown: `&`, `<`, `>` as entities; `@channel`, `@all`, `@here`, `@user`, links, images and
/// headings in text from people or alerts made inert; `@username` mentions from the bot only.
public struct MattermostDialect: PlatformDialect {
    public init() {}
    public func escape(_ text: String) -> String {
        Markup.breakMarkdown(Markup.breakMentions(Entities.escape(text, ampersand: true)))
    }
    public func mention(_ p: BridgeConfiguration.Person) -> String {
        p.handle("mattermost").map { "@\($0)" } ?? p.name
    }
}
