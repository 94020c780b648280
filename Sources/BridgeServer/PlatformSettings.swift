import BridgeCore
import Foundation

/// A missing secret or setting that stops `serve` from starting.
public struct SettingsError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// Chat platform settings with their secrets read from the environment (never from the file).
public struct PlatformSettings: Sendable {
    public struct Slack: Sendable {
        public var signingSecret: String
        public var botToken: String?
        public var channel: String?
        public var apiBase: String
    }
    public struct Mattermost: Sendable {
        public var commandToken: String
        public var url: String?
        public var botToken: String?
        public var channelID: String?
        public var webhookURL: String?
    }
    public struct Matrix: Sendable {
        public var homeserver: String
        public var token: String
        public var rooms: [String]
        public var autoJoin: Bool
    }
    public struct Teams: Sendable {
        public var hmacSecret: String?
        public var workflowURL: String?
    }
    public var matrix: Matrix?
    public var teams: Teams?
    public var slack: Slack?
    public var mattermost: Mattermost?
    public var webhookURL: String?
    /// Bearer token Alertmanager must send, when `alerts.alertmanager.token_env` is set.
    public var alertmanagerToken: String?
    /// Pager secrets and settings.
    public var pagerDutyRoutingKey: String?
    public var opsgenieAPIKey: String?
    public var smtpUsername: String?
    public var smtpPassword: String?
    public var pagingWebhookSecret: String?
    /// The bot's public base URL (for Mattermost button callbacks).
    public var publicURL: String?

    /// Reads the settings of every configured platform; a configured platform whose secret is missing is an error.
    public init(config: BridgeConfiguration, environment: [String: String] = ProcessInfo.processInfo.environment) throws
    {
        func secret(
            _ settings: [String: String],
            _ key: String,
            default name: String?,
            path: String,
            required: Bool
        ) throws -> String? {
            guard let envName = settings[key] ?? name else { return nil }
            if let v = environment[envName], !v.isEmpty { return v }
            if required {
                throw SettingsError(message: "\(path).\(key): environment variable \(envName) is not set")
            }
            return nil
        }
        let p = config.chat.platforms
        publicURL = config.http.publicURL
        if let s = p["slack"] {
            slack = Slack(
                signingSecret: try secret(
                    s,
                    "signing_secret_env",
                    default: "SLACK_SIGNING_SECRET",
                    path: "chat.slack",
                    required: true
                )!,
                botToken: try secret(
                    s,
                    "bot_token_env",
                    default: "SLACK_BOT_TOKEN",
                    path: "chat.slack",
                    required: s["channel"] != nil
                ),
                channel: s["channel"],
                apiBase: s["api_base"] ?? "https://slack.com/api"
            )
        }
        if let m = p["mattermost"] {
            let webhook = try secret(
                m,
                "incoming_webhook_url_env",
                default: nil,
                path: "chat.mattermost",
                required: false
            )
            mattermost = Mattermost(
                commandToken: try secret(
                    m,
                    "command_token_env",
                    default: "MATTERMOST_COMMAND_TOKEN",
                    path: "chat.mattermost",
                    required: true
                )!,
                url: m["url"],
                botToken: try secret(
                    m,
                    "bot_token_env",
                    default: "MATTERMOST_BOT_TOKEN",
                    path: "chat.mattermost",
                    required: m["url"] != nil && webhook == nil
                ),
                channelID: m["channel_id"],
                webhookURL: webhook
            )
        }
        if let m = p["matrix"] {
            guard let hs = m["homeserver"], !hs.isEmpty else {
                throw SettingsError(message: "chat.matrix.homeserver is required")
            }
            matrix = Matrix(
                homeserver: hs,
                token: try secret(
                    m,
                    "access_token_env",
                    default: "MATRIX_ACCESS_TOKEN",
                    path: "chat.matrix",
                    required: true
                )!,
                rooms: (m["rooms"] ?? "").split(separator: ",").map(String.init),
                autoJoin: ["true", "yes", "on"].contains((m["auto_join"] ?? "false").lowercased())
            )
        }
        if let t = p["teams"] {
            teams = Teams(
                hmacSecret: try secret(
                    t,
                    "hmac_secret_env",
                    default: "TEAMS_HMAC_SECRET",
                    path: "chat.teams",
                    required: false
                ),
                workflowURL: try secret(
                    t,
                    "workflow_url_env",
                    default: "TEAMS_WORKFLOW_URL",
                    path: "chat.teams",
                    required: false
                )
            )
            if teams?.hmacSecret == nil && teams?.workflowURL == nil {
                throw SettingsError(
                    message: "chat.teams: set the variables named by hmac_secret_env and/or workflow_url_env"
                )
            }
            if let s = teams?.hmacSecret, Data(base64Encoded: s) == nil {
                throw SettingsError(
                    message: "chat.teams.hmac_secret_env: the security token must be base64, as Teams shows it"
                )
            }
        }
        if let w = p["webhook"] {
            webhookURL = try secret(w, "url_env", default: "CHAT_WEBHOOK_URL", path: "chat.webhook", required: true)
        }
        if let env = config.alertmanagerTokenEnv {
            alertmanagerToken = try secret(
                ["token_env": env],
                "token_env",
                default: nil,
                path: "alerts.alertmanager",
                required: true
            )
        }
        let pg = config.paging.channels
        if let pd = pg["pagerduty"] {
            pagerDutyRoutingKey = try secret(
                pd,
                "routing_key_env",
                default: "PAGERDUTY_ROUTING_KEY",
                path: "paging.pagerduty",
                required: true
            )
        }
        if let og = pg["opsgenie"] {
            opsgenieAPIKey = try secret(
                og,
                "api_key_env",
                default: "OPSGENIE_API_KEY",
                path: "paging.opsgenie",
                required: true
            )
        }
        if let mail = pg["email"] {
            guard mail["smtp_url"] != nil, mail["from"] != nil else {
                throw SettingsError(message: "paging.email: smtp_url and from are required")
            }
            smtpUsername = try secret(
                mail,
                "username_env",
                default: nil,
                path: "paging.email",
                required: mail["username_env"] != nil
            )
            smtpPassword = try secret(
                mail,
                "password_env",
                default: nil,
                path: "paging.email",
                required: mail["password_env"] != nil
            )
        }
        if let wh = pg["webhook"] {
            guard wh["url"] != nil else { throw SettingsError(message: "paging.webhook: url is required") }
            pagingWebhookSecret = try secret(
                wh,
                "secret_env",
                default: nil,
                path: "paging.webhook",
                required: wh["secret_env"] != nil
            )
        }
    }
}
