import BridgeCore
import Foundation

/// Opsgenie alerts, registered once in `Pagers.all`: `paging.opsgenie.api_key_env`, `people.<id>.opsgenie`
/// names the user (else their e-mail).
public struct OpsgeniePaging: PagerKind {
    public static let id = "opsgenie"
    public init() {}
    public var id: String { Self.id }
    public var handleKey: String? { id }
    public var settingKeys: [SettingKey] { [.init("api_key_env", .secret), .init("api_base", .url)] }
    public func payloads(
        _ router: PageRouter,
        _ request: PageRequest,
        _ inc: Incident,
        people: [BridgeConfiguration.Person]
    ) -> [PageRouter.Payload] {
        router.pages(request).map { router.opsgenie(request, $0, inc, people: people) }
    }
    public func requireSecrets(_ s: [String: String], config: BridgeConfiguration, secrets: Secrets) throws {
        _ = try key(s, secrets)
    }
    func key(_ s: [String: String], _ secrets: Secrets) throws -> String {
        try secrets.value(s, "api_key_env", default: "OPSGENIE_API_KEY", path: "paging.\(id)", required: true)!
    }
    public func pager(_ s: [String: String], start: PagerStart) throws -> any Pager {
        OpsgeniePager(
            apiBase: s["api_base"] ?? "https://api.opsgenie.com",
            apiKey: try key(s, start.secrets),
            transport: start.transport(id)
        )
    }
}
