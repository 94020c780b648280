import BridgeCore
import Foundation

/// The generic chat webhook (post only, no commands), registered once in `ChatPlatforms.all`: `chat.webhook.url_env`
/// names the variable holding the URL.
public struct WebhookPlatform: ChatPlatform {
    public static let id = "webhook"
    public init() {}
    public var id: String { Self.id }
    /// No command comes from a webhook: no person key, so nobody is identified there.
    public var traits: PlatformTraits { .init(id: id, identity: .nobody, answersPrivately: false) }
    public var handleKeys: [String] { [] }
    public var postsToOrigin: Bool { false }
    public var dialect: any PlatformDialect { WebhookDialect() }
    public var settingKeys: [SettingKey] { [.init("url_env", .secret)] }
    public func destinations(_ s: [String: String]) -> [Destination] { [Destination(platform: id, channel: "webhook")] }
    public func posters(_ s: [String: String], start: ChatStart) throws -> [any ChatPoster] {
        [WebhookPoster(url: try url(s, secrets: start.secrets), transport: start.transport(id))]
    }
    public func requireSecrets(_ s: [String: String], secrets: Secrets) throws { _ = try url(s, secrets: secrets) }
    func url(_ s: [String: String], secrets: Secrets) throws -> String {
        try secrets.value(s, "url_env", default: "CHAT_WEBHOOK_URL", path: "chat.\(id)", required: true)!
    }
}
