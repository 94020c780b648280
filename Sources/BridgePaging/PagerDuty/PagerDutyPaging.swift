import BridgeCore
import Foundation

/// PagerDuty Events v2, registered once in `Pagers.all`: `paging.pagerduty.routing_key_env` (and per-role
/// `routing_keys: ["role=ENV_NAME"]`), `people.<id>.pagerduty` names the user.
public struct PagerDutyPaging: PagerKind {
    public static let id = "pagerduty"
    public init() {}
    public var id: String { Self.id }
    public var handleKey: String? { id }
    public var settingKeys: [SettingKey] {
        [.init("routing_key_env", .secret), .init("routing_keys", .list), .init("api_base", .url)]
    }
    public func payloads(
        _ router: PageRouter,
        _ request: PageRequest,
        _ inc: Incident,
        people: [BridgeConfiguration.Person]
    ) -> [PageRouter.Payload] {
        router.pages(request).map { router.pagerDuty(request, $0, inc, people: people) }
    }
    public func requireSecrets(_ s: [String: String], config: BridgeConfiguration, secrets: Secrets) throws {
        _ = try keys(s, config: config, secrets: secrets)
    }
    /// The default routing key and each role's.
    func keys(_ s: [String: String], config: BridgeConfiguration, secrets: Secrets) throws -> (String, [String: String]) {
        let key = try secrets.value(s, "routing_key_env", default: "PAGERDUTY_ROUTING_KEY", path: "paging.\(id)", required: true)!
        var roleKeys: [String: String] = [:]
        if let list = s["routing_keys"], !list.isEmpty {
            for item in list.split(separator: ",") {
                let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, config.roles[parts[0]] != nil else {
                    throw SettingsError(
                        message: "paging.\(id).routing_keys: '\(item)' is not role=ENV_NAME with a role under roles"
                    )
                }
                roleKeys[parts[0]] = try secrets.value(
                    ["env": parts[1]],
                    "env",
                    path: "paging.\(id).routing_keys.\(parts[0])",
                    required: true
                )
            }
        }
        return (key, roleKeys)
    }
    public func pager(_ s: [String: String], start: PagerStart) throws -> any Pager {
        let (key, roleKeys) = try keys(s, config: start.config, secrets: start.secrets)
        return PagerDutyPager(
            apiBase: s["api_base"] ?? "https://events.pagerduty.com",
            routingKey: key,
            roleKeys: roleKeys,
            transport: start.transport(id)
        )
    }
}
