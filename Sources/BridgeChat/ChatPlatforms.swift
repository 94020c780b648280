import BridgeConfig
import BridgeCore
import Foundation

/// The chat platforms the config turns on, with their secrets read: the one place that lists every platform
/// folder. Adding a platform means a folder beside this file and a line in each function below.
public struct ChatPlatforms: Sendable {
    public var slack: SlackSettings?
    public var mattermost: MattermostSettings?
    public var matrix: MatrixSettings?
    public var teams: TeamsSettings?
    /// `chat.webhook`: the generic chat webhook's URL.
    public var webhookURL: String?

    /// Reads every configured platform's settings; a configured platform whose secret is missing is an error.
    public init(config: BridgeConfiguration, secrets: Secrets) throws {
        let p = config.chat.platforms
        slack = try p["slack"].map { try SlackSettings($0, secrets: secrets) }
        mattermost = try p["mattermost"].map { try MattermostSettings($0, secrets: secrets) }
        matrix = try p["matrix"].map { try MatrixSettings($0, secrets: secrets) }
        teams = try p["teams"].map { try TeamsSettings($0, secrets: secrets) }
        webhookURL = try p["webhook"].map {
            try secrets.value($0, "url_env", default: "CHAT_WEBHOOK_URL", path: "chat.webhook", required: true)!
        }
    }

    /// Each platform's escaping and mention rules, by platform id.
    public static let dialects: [String: any PlatformDialect] = [
        "slack": SlackDialect(), "mattermost": MattermostDialect(), "matrix": MatrixDialect(),
        "teams": TeamsDialect(), "webhook": WebhookDialect(),
    ]

    /// The posters of the configured platforms, each over `transport(platform)`.
    public func posters(
        config: BridgeConfiguration,
        transport: (String) -> any HTTPTransport,
        publicURL: String?
    ) -> [any ChatPoster] {
        var out: [any ChatPoster] = []
        if let s = slack, let token = s.botToken {
            let t = transport("slack")
            out.append(SlackPoster(apiBase: s.apiBase, token: token, transport: t, locale: config.locale))
            out.append(SlackResponsePoster(transport: t))
        }
        if let m = mattermost {
            let actions = publicURL.map { ($0.hasSuffix("/") ? String($0.dropLast()) : $0) + "/mattermost/actions" }
            out.append(
                MattermostPoster(
                    serverURL: m.url,
                    botToken: m.botToken,
                    webhookURL: m.webhookURL,
                    actionsURL: actions,
                    actionKey: m.commandToken,
                    transport: transport("mattermost"),
                    locale: config.locale
                )
            )
        }
        if let url = webhookURL { out.append(WebhookPoster(url: url, transport: transport("webhook"))) }
        if let m = matrix {
            out.append(MatrixPoster(homeserver: m.homeserver, token: m.token, people: config.people, transport: transport("matrix")))
        }
        if let url = teams?.workflowURL {
            out.append(TeamsPoster(workflowURL: url, transport: transport("teams"), publicURL: publicURL))
        }
        return out
    }
}

/// Where an incident's channel posts go: its origin channel plus every configured chat channel, without
/// duplicates.
public struct ChatChannels: ChannelDirectory {
    public var config: BridgeConfiguration
    public init(config: BridgeConfiguration) { self.config = config }

    /// Platforms whose origin channel takes proactive posts. Teams answers commands synchronously; its proactive
    /// posts go through the workflow webhook only.
    static let postsToOrigin: Set<String> = ["console", "slack", "mattermost", "matrix"]

    public func destinations(origin: Destination) -> [Destination] {
        var out: [Destination] = []
        func add(_ d: Destination) { if !out.contains(d) { out.append(d) } }
        if Self.postsToOrigin.contains(origin.platform) { add(origin) }
        let p = config.chat.platforms
        if let c = p["slack"]?["channel"], !c.isEmpty { add(Destination(platform: "slack", channel: c)) }
        if let m = p["mattermost"] {
            if let c = m["channel_id"], !c.isEmpty {
                add(Destination(platform: "mattermost", channel: c))
            } else if m["incoming_webhook_url_env"] != nil {
                add(Destination(platform: "mattermost", channel: "webhook"))
            }
        }
        if let rooms = p["matrix"]?["rooms"], !rooms.isEmpty {
            for r in rooms.split(separator: ",") { add(Destination(platform: "matrix", channel: String(r))) }
        }
        if p["teams"]?["workflow_url_env"] != nil { add(Destination(platform: "teams", channel: "workflow")) }
        if p["webhook"] != nil { add(Destination(platform: "webhook", channel: "webhook")) }
        // A console origin goes to the console only once even when the console chat is off in the config.
        if config.chat.consoleEnabled { add(.console) }
        if out.isEmpty { add(.console) }
        return out
    }
}
