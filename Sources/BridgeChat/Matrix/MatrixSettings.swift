import BridgeCore
import Foundation

/// `chat.matrix`: the homeserver, the bot's access token, its rooms and whether it accepts invitations.
public struct MatrixSettings: Sendable {
    public var homeserver: String
    public var token: String
    public var rooms: [String]
    public var autoJoin: Bool

    public init(_ m: [String: String], secrets: Secrets) throws {
        guard let hs = m["homeserver"], !hs.isEmpty else {
            throw SettingsError(message: "chat.matrix.homeserver is required")
        }
        homeserver = hs
        token = try secrets.value(
            m,
            "access_token_env",
            default: "MATRIX_ACCESS_TOKEN",
            path: "chat.matrix",
            required: true
        )!
        rooms = (m["rooms"] ?? "").split(separator: ",").map(String.init)
        autoJoin = YesNo.value(m["auto_join"])
        // The bot acts only in listed rooms: without them any federated user could invite it and command it.
        if rooms.isEmpty {
            throw SettingsError(message: "chat.matrix.rooms is required (the bot acts only in listed rooms)")
        }
    }
}

/// Matrix: the plain `body` keeps text as it is except `@room` and `@user` (clients notify on them); the poster
/// HTML-escapes the whole text for `formatted_body`, so markup from people or alerts never renders.
/// `Name (@user:server)` mentions (pills in the HTML) come from the bot only.
public struct MatrixDialect: PlatformDialect {
    public init() {}
    public func escape(_ text: String) -> String { Markup.breakMentions(text) }
    public func mention(_ p: BridgeConfiguration.Person) -> String {
        p.handle("matrix").map { "\(p.name) (\($0))" } ?? p.name
    }
}
