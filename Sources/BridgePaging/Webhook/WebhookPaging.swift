import BridgeCore
import Foundation

/// The signed page webhook, registered once in `Pagers.all`: `paging.webhook.url` (required) and
/// `secret_env` (HMAC signature).
public struct WebhookPaging: PagerKind {
    public static let id = "webhook"
    public init() {}
    public var id: String { Self.id }
    public var settingKeys: [SettingKey] { [.init("url", .url), .init("secret_env", .secret)] }
    public func payloads(
        _ router: PageRouter,
        _ request: PageRequest,
        _ inc: Incident,
        people: [BridgeConfiguration.Person]
    ) -> [PageRouter.Payload] {
        [router.webhook(request, inc, people: people)]
    }
    public func requireSecrets(_ s: [String: String], config: BridgeConfiguration, secrets: Secrets) throws {
        _ = try secret(s, secrets)
    }
    func secret(_ s: [String: String], _ secrets: Secrets) throws -> String? {
        guard s["url"] != nil else { throw SettingsError(message: "paging.\(id): url is required") }
        return try secrets.value(s, "secret_env", path: "paging.\(id)", required: s["secret_env"] != nil)
    }
    public func pager(_ s: [String: String], start: PagerStart) throws -> any Pager {
        WebhookPager(url: s["url"] ?? "", secret: try secret(s, start.secrets), transport: start.transport("pagewebhook"))
    }
}
