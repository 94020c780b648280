import BridgeCore
import Foundation

/// One decoded alert notification: the core's signal and the source's group (for logs and delivery keys).
public struct DecodedAlert: Sendable {
    public var signal: AlertSignal
    public var group: String
    public init(signal: AlertSignal, group: String) {
        self.signal = signal
        self.group = group
    }
}

/// An alert source, written once (`Sources/BridgeAlerts/<Source>Source.swift`) and listed once in
/// `AlertSources.all`: its `alerts.<id>` keys (checked at load; `routes` maps labels to event types for every
/// source), its route (`POST /alerts/<id>`, bearer token from `token_env` unless `allow_unauthenticated`) and
/// the decoder of its payload into an `AlertSignal`.
public protocol AlertSource: IntegrationSchema {
    /// The source's name in answers and logs (`malformed <name> payload`).
    var name: String { get }
    /// The HTTP route the source posts to.
    var route: String { get }
    /// Decodes one request body; the failure reason, in English, is the 400 answer's text.
    func decode(_ body: Data) -> Result<DecodedAlert, Refusal>
}

extension AlertSource {
    public var name: String { id }
    public var route: String { "/alerts/\(id)" }
}

public enum AlertSources {
    /// Every alert source: the only list.
    public static let all: [any AlertSource] = [AlertmanagerSource()]

    /// The keys every source section takes besides its own.
    public static let commonKeys: [SettingKey] = [
        .init("token_env", .secret), .init("allow_unauthenticated", .bool), .init("routes", .list),
    ]
}

/// Alertmanager webhook v4 (`POST /alerts/alertmanager`).
public struct AlertmanagerSource: AlertSource {
    public static let id = "alertmanager"
    public init() {}
    public var id: String { Self.id }
    public var name: String { "Alertmanager" }
    public var settingKeys: [SettingKey] { AlertSources.commonKeys }
    public func decode(_ body: Data) -> Result<DecodedAlert, Refusal> {
        AlertmanagerNotification.decode(body).map { DecodedAlert(signal: $0.signal, group: $0.groupKey) }
    }
}
