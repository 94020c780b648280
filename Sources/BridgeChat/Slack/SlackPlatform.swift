import BridgeCore
import Foundation

/// Slack, registered once in `ChatPlatforms.all`: `people.<id>.slack` holds the member id (`U...`), answers
/// are ephemeral (private), posts go to `chat.slack.channel`.
public struct SlackPlatform: ChatPlatform {
    public static let id = "slack"
    public init() {}
    public var id: String { Self.id }
    public var traits: PlatformTraits { .init(id: id, identity: .personKey("slack"), answersPrivately: true) }
    public var dialect: any PlatformDialect { SlackDialect() }
    public var settingKeys: [SettingKey] {
        [
            .init("signing_secret_env", .secret), .init("bot_token_env", .secret), .init("app_token_env", .secret),
            .init("socket_mode", .bool), .init("channel"), .init("api_base", .url),
        ]
    }
    public func destinations(_ s: [String: String]) -> [Destination] {
        guard let c = s["channel"], !c.isEmpty else { return [] }
        return [Destination(platform: id, channel: c)]
    }
    public func posters(_ s: [String: String], start: ChatStart) throws -> [any ChatPoster] {
        let settings = try SlackSettings(s, secrets: start.secrets)
        guard let token = settings.botToken else { return [] }
        let t = start.transport(id)
        return [
            SlackPoster(apiBase: settings.apiBase, token: token, transport: t, words: start.config.words,
                locale: start.config.locale),
            SlackResponsePoster(transport: t),
        ]
    }
}
