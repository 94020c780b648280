import BridgeCore
import Foundation

/// Mattermost, registered once in `ChatPlatforms.all`: `people.<id>.mattermost_id` holds the user id (26
/// characters), `people.<id>.mattermost` the username for mentions; slash-command answers are ephemeral.
public struct MattermostPlatform: ChatPlatform {
    public static let id = "mattermost"
    public init() {}
    public var id: String { Self.id }
    public var traits: PlatformTraits { .init(id: id, identity: .personKey("mattermost_id"), answersPrivately: true) }
    public var dialect: any PlatformDialect { MattermostDialect() }
    public var settingKeys: [SettingKey] {
        [
            .init("url", .url), .init("websocket", .bool), .init("channel_id"), .init("command_token_env", .secret),
            .init("bot_token_env", .secret), .init("incoming_webhook_url_env", .secret),
        ]
    }
    public func destinations(_ s: [String: String]) -> [Destination] {
        if let c = s["channel_id"], !c.isEmpty { return [Destination(platform: id, channel: c)] }
        if s["incoming_webhook_url_env"] != nil { return [Destination(platform: id, channel: "webhook")] }
        return []
    }
    public func posters(_ s: [String: String], start: ChatStart) throws -> [any ChatPoster] {
        let m = try MattermostSettings(s, secrets: start.secrets)
        let actions = start.publicURL.map { ($0.hasSuffix("/") ? String($0.dropLast()) : $0) + "/mattermost/actions" }
        return [
            MattermostPoster(
                serverURL: m.url,
                botToken: m.botToken,
                webhookURL: m.webhookURL,
                actionsURL: actions,
                actionKey: m.commandToken,
                transport: start.transport(id),
                words: start.config.words,
                locale: start.config.locale
            )
        ]
    }
}
