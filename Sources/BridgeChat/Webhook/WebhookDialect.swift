import BridgeCore
import Foundation

/// The generic chat webhook (Slack-compatible `{"text": ...}`, often a Mattermost or Rocket.Chat incoming
/// webhook): `&`, `<`, `>` as entities, mentions, links, images and headings from people or alerts made inert.
public struct WebhookDialect: PlatformDialect {
    public init() {}
    public func escape(_ text: String) -> String {
        Markup.breakMarkdown(Markup.breakMentions(Entities.escape(text, ampersand: true)))
    }
    public func mention(_ p: BridgeConfiguration.Person) -> String { "@\(p.name)" }
}
