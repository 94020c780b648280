import BridgeCore
import Foundation

/// The pagers the config turns on (the list of kinds is `Pagers.all`); their secrets are checked when `serve`
/// starts.
public struct Pagers: Sendable {
    public var sections: [String: [String: String]]
    public var registry: [any PagerKind]
    public var secrets: Secrets

    /// Checks every configured pager's secrets; a configured pager whose secret is missing is an error.
    public init(config: BridgeConfiguration, secrets: Secrets, registry: [any PagerKind] = Pagers.all) throws {
        sections = config.paging.channels
        self.registry = registry
        self.secrets = secrets
        for kind in registry {
            try sections[kind.id].map { try kind.requireSecrets($0, config: config, secrets: secrets) }
        }
    }

    /// The configured pagers as the dispatcher's posters, each over `transport(pager)` (SMTP over its own
    /// libcurl handles).
    public func posters(config: BridgeConfiguration, transport: @escaping @Sendable (String) -> any HTTPTransport) throws
        -> [any ChatPoster]
    {
        let start = PagerStart(config: config, secrets: secrets, transport: transport)
        return try registry.compactMap { kind in
            try sections[kind.id].map { PagerDelivery(try kind.pager($0, start: start)) }
        }
    }
}
