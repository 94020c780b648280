import BridgeCore
import Foundation

/// The generic chat webhook (Slack-compatible `{"text": ...}`): `&`, `<`, `>` as entities, `@name` mentions.
public struct WebhookDialect: PlatformDialect {
    public init() {}
    public func escape(_ text: String) -> String { Entities.escape(text, ampersand: true) }
    public func mention(_ p: BridgeConfiguration.Person) -> String { "@\(p.name)" }
}
