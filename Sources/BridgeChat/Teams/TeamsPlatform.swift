import BridgeCore
import Foundation

/// Microsoft Teams, registered once in `ChatPlatforms.all`: `people.<id>.teams_id` holds the AAD object id,
/// `people.<id>.teams` the display name for `<at>` mentions; answers are channel replies (not private), and
/// proactive posts go through the Workflows URL only.
public struct TeamsPlatform: ChatPlatform {
    public static let id = "teams"
    public init() {}
    public var id: String { Self.id }
    public var traits: PlatformTraits { .init(id: id, identity: .personKey("teams_id"), answersPrivately: false) }
    public var dialect: any PlatformDialect { TeamsDialect() }
    public var postsToOrigin: Bool { false }
    public var settingKeys: [SettingKey] { [.init("hmac_secret_env", .secret), .init("workflow_url_env", .secret)] }
    public func destinations(_ s: [String: String]) -> [Destination] {
        s["workflow_url_env"] != nil ? [Destination(platform: id, channel: "workflow")] : []
    }
    public func posters(_ s: [String: String], start: ChatStart) throws -> [any ChatPoster] {
        guard let url = try TeamsSettings(s, secrets: start.secrets).workflowURL else { return [] }
        return [TeamsPoster(workflowURL: url, transport: start.transport(id), publicURL: start.publicURL)]
    }
}
