import BridgeCore
import BridgeTransport
import Foundation

/// E-mail pages over SMTP, registered once in `Pagers.all`: `paging.email.smtp_url` and `from` (required),
/// `starttls`, `username_env`, `password_env`; people are reached at `people.<id>.email`.
public struct EmailPaging: PagerKind {
    public static let id = "email"
    public init() {}
    public var id: String { Self.id }
    public var settingKeys: [SettingKey] {
        [
            .init("smtp_url", .url), .init("from"), .init("starttls", .bool), .init("username_env", .secret),
            .init("password_env", .secret),
        ]
    }
    public func payloads(
        _ router: PageRouter,
        _ request: PageRequest,
        _ inc: Incident,
        people: [BridgeConfiguration.Person]
    ) -> [PageRouter.Payload] {
        request.action == .trigger ? router.email(inc, people: people) : []
    }
    public func requireSecrets(_ s: [String: String], config: BridgeConfiguration, secrets: Secrets) throws {
        _ = try login(s, secrets)
    }
    func login(_ s: [String: String], _ secrets: Secrets) throws -> (String?, String?) {
        guard s["smtp_url"] != nil, s["from"] != nil else {
            throw SettingsError(message: "paging.\(id): smtp_url and from are required")
        }
        let path = "paging.\(id)"
        return (
            try secrets.value(s, "username_env", path: path, required: s["username_env"] != nil),
            try secrets.value(s, "password_env", path: path, required: s["password_env"] != nil)
        )
    }
    public func pager(_ s: [String: String], start: PagerStart) throws -> any Pager {
        let (username, password) = try login(s, start.secrets)
        let mailer = CurlMailer(
            smtpURL: s["smtp_url"] ?? "",
            startTLS: YesNo.value(s["starttls"]),
            username: username,
            password: password,
            timeZone: start.config.timeZone
        )
        return EmailPager(mailer: mailer, from: s["from"] ?? "")
    }
}
