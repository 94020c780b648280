import BridgeChat
import BridgeCore
import BridgePaging
import Foundation

/// Every inbound and outbound setting `serve` needs, secrets read from the environment (never from the file):
/// the chat platforms, the pagers, the alert route's token, the pages' read token and the public URL.
public struct PlatformSettings: Sendable {
    public var chat: ChatPlatforms
    public var pagers: Pagers
    /// Bearer token the alert route requires, when `alerts.alertmanager.token_env` is set.
    public var alertmanagerToken: String?
    /// The token `GET /incidents` and the on-call feeds require, from the variable `http.read_token_env` names; nil
    /// when none is named or it is unset (the pages then refuse every request: `IncidentPages.Access.unavailable`).
    public var readToken: String?
    /// The bot's public base URL (button callbacks, links).
    public var publicURL: String?

    public var slack: SlackSettings? { chat.slack }
    public var mattermost: MattermostSettings? { chat.mattermost }
    public var matrix: MatrixSettings? { chat.matrix }
    public var teams: TeamsSettings? { chat.teams }
    /// The environment's secrets, handed to each platform and pager that needs one.
    public var secrets: Secrets

    /// Reads the settings of every configured platform; a configured platform whose secret is missing is an error.
    public init(
        config: BridgeConfiguration,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        chat registry: [any ChatPlatform] = ChatPlatforms.all
    ) throws {
        let secrets = Secrets(environment: environment)
        self.secrets = secrets
        chat = try ChatPlatforms(config: config, secrets: secrets, registry: registry)
        pagers = try Pagers(config: config, secrets: secrets)
        publicURL = config.http.publicURL
        alertmanagerToken = try config.alertTokenEnv.flatMap {
            try secrets.value(["token_env": $0], "token_env", path: "alerts.alertmanager", required: true)
        }
        readToken = try config.http.readTokenEnv.flatMap {
            try secrets.value(["read_token_env": $0], "read_token_env", path: "http", required: false)
        }
    }
}
