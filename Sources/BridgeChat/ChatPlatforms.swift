import BridgeCore
import Foundation

/// The chat platforms the config turns on, with their secrets read, for the routes and long-running services
/// that still live in `BridgeServer` (the platform list itself is `ChatPlatforms.all`).
public struct ChatPlatforms: Sendable {
    public var slack: SlackSettings?
    public var mattermost: MattermostSettings?
    public var matrix: MatrixSettings?
    public var teams: TeamsSettings?
    /// The configured sections, by platform id.
    public var sections: [String: [String: String]]
    /// The registered platforms (`ChatPlatforms.all`, or a test's list).
    public var registry: [any ChatPlatform]

    /// Reads every configured platform's settings; a configured platform whose secret is missing is an error.
    public init(config: BridgeConfiguration, secrets: Secrets, registry: [any ChatPlatform] = ChatPlatforms.all) throws {
        let p = config.chat.platforms
        sections = p
        self.registry = registry
        slack = try p[SlackPlatform.id].map { try SlackSettings($0, secrets: secrets) }
        mattermost = try p[MattermostPlatform.id].map { try MattermostSettings($0, secrets: secrets) }
        matrix = try p[MatrixPlatform.id].map { try MatrixSettings($0, secrets: secrets) }
        teams = try p[TeamsPlatform.id].map { try TeamsSettings($0, secrets: secrets) }
        for platform in registry { try p[platform.id].map { try platform.requireSecrets($0, secrets: secrets) } }
    }

    /// The posters of the configured platforms, each over `transport(platform)`, in registry order.
    public func posters(start: ChatStart) throws -> [any ChatPoster] {
        var out: [any ChatPoster] = []
        for platform in registry {
            guard let section = sections[platform.id] else { continue }
            out += try platform.posters(section, start: start)
        }
        return out
    }
}

/// Where an incident's channel posts go: its origin channel plus every configured chat channel, without
/// duplicates.
public struct ChatChannels: ChannelDirectory {
    public var config: BridgeConfiguration
    public var registry: [any ChatPlatform]
    public init(config: BridgeConfiguration, registry: [any ChatPlatform] = ChatPlatforms.all) {
        self.config = config
        self.registry = registry
    }

    public func destinations(origin: Destination) -> [Destination] {
        var out: [Destination] = []
        func add(_ d: Destination) { if !out.contains(d) { out.append(d) } }
        // Platforms whose origin channel takes proactive posts (Teams answers commands synchronously; its
        // proactive posts go through the workflow webhook only).
        if registry.first(where: { $0.id == origin.platform })?.postsToOrigin == true { add(origin) }
        let p = config.chat.platforms
        for platform in registry {
            guard let section = p[platform.id] else { continue }
            for d in platform.destinations(section) { add(d) }
        }
        // A console origin goes to the console only once even when the console chat is off in the config.
        if config.chat.consoleEnabled { add(.console) }
        if out.isEmpty { add(.console) }
        return out
    }
}
