import BridgeCore
import Foundation

/// PagerDuty Events API v2: trigger / acknowledge / resolve by `dedup_key` (one per incident and step). The
/// routing key is the service integration of the step's first role that has one (`paging.pagerduty.routing_keys`),
/// else the default one: so a step routed to another service reaches that service's on-call people.
public struct PagerDutyPager: Pager {
    public let destination = "pagerduty"
    public let apiBase: String
    public let routingKey: String
    /// Role id -> routing key of the PagerDuty service that pages that role.
    public let roleKeys: [String: String]
    public let transport: any HTTPTransport
    /// The row field with the step's roles (stripped before sending).
    static let rolesField = "incident_bridge_roles"
    /// The row field asking for the event on every configured routing key (stripped before sending).
    static let allKeysField = "incident_bridge_all_keys"

    public init(
        apiBase: String = "https://events.pagerduty.com",
        routingKey: String,
        roleKeys: [String: String] = [:],
        transport: any HTTPTransport
    ) {
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.routingKey = routingKey
        self.roleKeys = roleKeys
        self.transport = transport
    }

    /// The routing key for a page that reached `roles`.
    public func routingKey(for roles: [String]) -> String {
        roles.lazy.compactMap { roleKeys[$0] }.first ?? routingKey
    }

    public func page(_ message: OutboxMessage) async throws {
        var body = try PagerHTTP.object(message.text)
        let roles = body.removeValue(forKey: Self.rolesField) as? [String] ?? []
        let everyKey = body.removeValue(forKey: Self.allKeysField) as? Bool ?? false
        let first = routingKey(for: roles)
        var keys = [first]
        if everyKey {
            for k in [routingKey] + roleKeys.values.sorted() where !keys.contains(k) { keys.append(k) }
        }
        for key in keys {
            body["routing_key"] = key
            try await send(body)
        }
    }

    func send(_ body: [String: Any]) async throws {
        let data = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        try await PagerHTTP.send(
            transport,
            HTTPRequest(
                url: "\(apiBase)/v2/enqueue",
                headers: [("Content-Type", "application/json")],
                body: data
            ),
            service: "pagerduty"
        )
    }
}
