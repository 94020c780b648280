import BridgeCore
import Foundation

/// What a platform's posters are built from at `serve` start: the config, its secrets (read from the
/// environment once, here), the HTTP transport of each platform and the bot's public URL.
public struct ChatStart: Sendable {
    public var config: BridgeConfiguration
    public var secrets: Secrets
    public var transport: @Sendable (String) -> any HTTPTransport
    public var publicURL: String?
    public init(
        config: BridgeConfiguration,
        secrets: Secrets,
        transport: @escaping @Sendable (String) -> any HTTPTransport,
        publicURL: String?
    ) {
        self.config = config
        self.secrets = secrets
        self.transport = transport
        self.publicURL = publicURL
    }
}

/// A chat platform, written once in its folder (`Sources/BridgeChat/<Platform>/<Platform>Platform.swift`) and
/// listed once in `ChatPlatforms.all`. The loader reads `chat.<id>` through `settingKeys`/`problems` (unknown
/// keys and wrong values refused with file, key path and line), the core learns `traits`, the renderer the
/// `dialect`, and `serve` builds the `posters` and channel destinations from it.
public protocol ChatPlatform: IntegrationSchema {
    /// What the core must know: the person key of the stable user id, private answers, mention links.
    var traits: PlatformTraits { get }
    /// Escaping and mentions.
    var dialect: any PlatformDialect { get }
    /// The `people.<id>` keys naming a person on this platform (the stable id key and a display handle).
    var handleKeys: [String] { get }
    /// True when a command's origin channel takes the answers' follow-up posts.
    var postsToOrigin: Bool { get }
    /// The channels a configured section posts every incident to.
    func destinations(_ section: [String: String]) -> [Destination]
    /// The posters of a configured section (secrets read from `start.secrets`; a missing one is an error).
    func posters(_ section: [String: String], start: ChatStart) throws -> [any ChatPoster]
    /// Throws when a secret the configured section needs is missing (checked when `serve` starts).
    func requireSecrets(_ section: [String: String], secrets: Secrets) throws
}

extension ChatPlatform {
    public var handleKeys: [String] { traits.personKey.map { $0 == id ? [id] : [id, $0] } ?? [] }
    public var postsToOrigin: Bool { true }
    public func destinations(_ section: [String: String]) -> [Destination] { [] }
    public func posters(_ section: [String: String], start: ChatStart) throws -> [any ChatPoster] { [] }
    public func requireSecrets(_ section: [String: String], secrets: Secrets) throws {}
}

extension ChatPlatforms {
    /// Every chat platform, in the order their channels are posted to: the only list.
    public static let all: [any ChatPlatform] = [
        ConsolePlatform(), SlackPlatform(), MattermostPlatform(), MatrixPlatform(), TeamsPlatform(), WebhookPlatform(),
    ]

    /// Each platform's escaping and mention rules, by platform id.
    public static let dialects: [String: any PlatformDialect] = dialects(all)

    public static func dialects(_ platforms: [any ChatPlatform]) -> [String: any PlatformDialect] {
        Dictionary(platforms.map { ($0.id, $0.dialect) }, uniquingKeysWith: { a, _ in a })
    }

    /// What the core needs to know of each platform, by id.
    public static func traits(_ platforms: [any ChatPlatform]) -> [String: PlatformTraits] {
        Dictionary(platforms.map { ($0.id, $0.traits) }, uniquingKeysWith: { a, _ in a })
    }
}
