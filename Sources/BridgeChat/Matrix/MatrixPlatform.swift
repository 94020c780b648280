import BridgeCore
import Foundation

/// Matrix, registered once in `ChatPlatforms.all`: `people.<id>.matrix` holds the user id (`@user:server`),
/// answers are room messages (not private), mentions may be matrix.to links.
public struct MatrixPlatform: ChatPlatform {
    public static let id = "matrix"
    public init() {}
    public var id: String { Self.id }
    public var traits: PlatformTraits {
        .init(id: id, identity: .personKey("matrix"), answersPrivately: false, mentionLinks: ["https://matrix.to/#/"])
    }
    public var dialect: any PlatformDialect { MatrixDialect() }
    public var settingKeys: [SettingKey] {
        [.init("homeserver", .url), .init("access_token_env", .secret), .init("rooms", .list), .init("auto_join", .bool)]
    }
    /// The bot acts only in listed rooms: a Matrix section without rooms is refused at load, with its line.
    public func problems(_ s: [String: String]) -> [(key: String?, message: String)] {
        (s["rooms"] ?? "").isEmpty ? [("rooms", "required: the bot acts only in listed rooms")] : []
    }
    public func destinations(_ s: [String: String]) -> [Destination] {
        (s["rooms"] ?? "").split(separator: ",").map { Destination(platform: id, channel: String($0)) }
    }
    public func posters(_ s: [String: String], start: ChatStart) throws -> [any ChatPoster] {
        let m = try MatrixSettings(s, secrets: start.secrets)
        return [MatrixPoster(homeserver: m.homeserver, token: m.token, people: start.config.people, transport: start.transport(id))]
    }
}
