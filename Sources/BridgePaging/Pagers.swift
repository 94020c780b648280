import BridgeConfig
import BridgeCore
import BridgeTransport
import Foundation

/// The pagers the config turns on, with their secrets read: the one place that lists every pager folder.
public struct Pagers: Sendable {
    public var pagerDutyRoutingKey: String?
    /// `paging.pagerduty.routing_keys: ["role=ENV_NAME", ...]`: the routing key of each role's PagerDuty service.
    public var pagerDutyRoleKeys: [String: String] = [:]
    public var opsgenieAPIKey: String?
    public var smtpUsername: String?
    public var smtpPassword: String?
    public var webhookSecret: String?

    /// Reads every configured pager's secrets; a configured pager whose secret is missing is an error.
    public init(config: BridgeConfiguration, secrets: Secrets) throws {
        let pg = config.paging.channels
        pagerDutyRoutingKey = try pg["pagerduty"].flatMap {
            try secrets.value(
                $0,
                "routing_key_env",
                default: "PAGERDUTY_ROUTING_KEY",
                path: "paging.pagerduty",
                required: true
            )
        }
        if let pd = pg["pagerduty"], let list = pd["routing_keys"], !list.isEmpty {
            for item in list.split(separator: ",") {
                let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, config.roles[parts[0]] != nil else {
                    throw SettingsError(
                        message: "paging.pagerduty.routing_keys: '\(item)' is not role=ENV_NAME with a role under roles"
                    )
                }
                pagerDutyRoleKeys[parts[0]] = try secrets.value(
                    ["env": parts[1]],
                    "env",
                    path: "paging.pagerduty.routing_keys.\(parts[0])",
                    required: true
                )
            }
        }
        opsgenieAPIKey = try pg["opsgenie"].flatMap {
            try secrets.value($0, "api_key_env", default: "OPSGENIE_API_KEY", path: "paging.opsgenie", required: true)
        }
        if let mail = pg["email"] {
            guard mail["smtp_url"] != nil, mail["from"] != nil else {
                throw SettingsError(message: "paging.email: smtp_url and from are required")
            }
            let path = "paging.email"
            smtpUsername = try secrets.value(mail, "username_env", path: path, required: mail["username_env"] != nil)
            smtpPassword = try secrets.value(mail, "password_env", path: path, required: mail["password_env"] != nil)
        }
        if let wh = pg["webhook"] {
            guard wh["url"] != nil else { throw SettingsError(message: "paging.webhook: url is required") }
            webhookSecret = try secrets.value(wh, "secret_env", path: "paging.webhook", required: wh["secret_env"] != nil)
        }
    }

    /// The posters of the configured pagers, each over `transport(pager)` (SMTP over its own libcurl handles).
    public func posters(config: BridgeConfiguration, transport: (String) -> any HTTPTransport) -> [any ChatPoster] {
        var out: [any ChatPoster] = []
        let pg = config.paging.channels
        if let key = pagerDutyRoutingKey {
            let base = pg["pagerduty"]?["api_base"] ?? "https://events.pagerduty.com"
            out.append(
                PagerDutyPager(apiBase: base, routingKey: key, roleKeys: pagerDutyRoleKeys, transport: transport("pagerduty"))
            )
        }
        if let key = opsgenieAPIKey {
            let base = pg["opsgenie"]?["api_base"] ?? "https://api.opsgenie.com"
            out.append(OpsgeniePager(apiBase: base, apiKey: key, transport: transport("opsgenie")))
        }
        if let mail = pg["email"], let url = mail["smtp_url"], let from = mail["from"] {
            let mailer = CurlMailer(
                smtpURL: url,
                startTLS: Secrets.flag(mail["starttls"]),
                username: smtpUsername,
                password: smtpPassword,
                timeZone: config.timeZone
            )
            out.append(EmailPager(mailer: mailer, from: from))
        }
        if let wh = pg["webhook"], let url = wh["url"] {
            out.append(WebhookPager(url: url, secret: webhookSecret, transport: transport("pagewebhook")))
        }
        return out
    }
}
