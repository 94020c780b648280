import BridgeCore
import Foundation

/// `chat.mattermost`: the server URL with a bot token, or an incoming webhook, and the channel; commands come
/// in as slash commands (the command token, required then) or, with `websocket: true`, as `!incident` /
/// `/incident` messages on the bot's WebSocket event stream (URL and bot token required; no inbound port).
public struct MattermostSettings: Sendable {
    /// The slash-command token; also the key that signs button contexts (no buttons without it).
    public var commandToken: String?
    public var url: String?
    public var botToken: String?
    public var channelID: String?
    public var webhookURL: String?
    /// Commands from the bot's WebSocket (`{url}/api/v4/websocket`) instead of the `/mattermost/*` routes.
    public var websocket: Bool

    public init(_ m: [String: String], secrets: Secrets) throws {
        let path = "chat.mattermost"
        websocket = YesNo.value(m["websocket"])
        webhookURL = try secrets.value(m, "incoming_webhook_url_env", path: path, required: false)
        commandToken = try secrets.value(
            m,
            "command_token_env",
            default: "MATTERMOST_COMMAND_TOKEN",
            path: path,
            required: !websocket
        )
        url = m["url"]
        if websocket && url == nil {
            throw SettingsError(message: "\(path).url: websocket: true needs the server URL (https://chat.example.com)")
        }
        botToken = try secrets.value(
            m,
            "bot_token_env",
            default: "MATTERMOST_BOT_TOKEN",
            path: path,
            required: websocket || (m["url"] != nil && webhookURL == nil)
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
