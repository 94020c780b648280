import BridgeCore
import Foundation

/// The pager port: sends one queued page (an outbox row the `PageRouter` wrote) to a paging service. Pagers are
/// not chat posters; the dispatcher reaches them through `PagerDelivery`.
public protocol Pager: Sendable {
    /// The outbox destination platform of this pager's rows (`pagerduty`, `pagewebhook`, ...).
    var destination: String { get }
    func page(_ message: OutboxMessage) async throws
}

/// A pager as the dispatcher sees it: rows for `pager.destination` are delivered by paging.
public struct PagerDelivery: ChatPoster {
    public let pager: any Pager
    public init(_ pager: any Pager) { self.pager = pager }
    public var platform: String { pager.destination }
    public func deliver(_ message: OutboxMessage) async throws { try await pager.page(message) }
}

/// What a pager is built from at `serve` start.
public struct PagerStart: Sendable {
    public var config: BridgeConfiguration
    public var secrets: Secrets
    public var transport: @Sendable (String) -> any HTTPTransport
    public init(
        config: BridgeConfiguration,
        secrets: Secrets,
        transport: @escaping @Sendable (String) -> any HTTPTransport
    ) {
        self.config = config
        self.secrets = secrets
        self.transport = transport
    }
}

/// A kind of pager, written once in its folder (`Sources/BridgePaging/<Pager>/<Pager>Paging.swift`) and listed
/// once in `Pagers.all`: its `paging.<id>` keys (checked at load), the person key naming people there, the
/// payloads `PageRouter` queues and the `Pager` that sends them.
public protocol PagerKind: IntegrationSchema {
    /// The `people.<id>.<key>` naming a person on this pager, if any.
    var handleKey: String? { get }
    /// The payloads of one page request, in a fixed order.
    func payloads(_ router: PageRouter, _ request: PageRequest, _ inc: Incident, people: [BridgeConfiguration.Person])
        -> [PageRouter.Payload]
    /// Throws when a secret or setting the configured section needs is missing (checked when `serve` starts).
    func requireSecrets(_ section: [String: String], config: BridgeConfiguration, secrets: Secrets) throws
    /// The pager of a configured section.
    func pager(_ section: [String: String], start: PagerStart) throws -> any Pager
}

extension PagerKind {
    public var handleKey: String? { nil }
}

extension Pagers {
    /// Every pager, in the order their payloads are queued: the only list.
    public static let all: [any PagerKind] = [PagerDutyPaging(), OpsgeniePaging(), EmailPaging(), WebhookPaging()]
}
