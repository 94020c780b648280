import BridgeAlerts
import BridgeChat
import BridgeCore
import BridgePaging
import Foundation

/// The registries the loader reads `chat`, `paging` and `alerts` through: each entry names its section, its
/// allowed keys and what the core must know of it. `standard` is what the bot ships; a test adds its own
/// platform here and nowhere else.
public struct Integrations: Sendable {
    public var chat: [any ChatPlatform]
    public var pagers: [any PagerKind]
    public var alerts: [any AlertSource]
    public init(
        chat: [any ChatPlatform] = ChatPlatforms.all,
        pagers: [any PagerKind] = Pagers.all,
        alerts: [any AlertSource] = AlertSources.all
    ) {
        self.chat = chat
        self.pagers = pagers
        self.alerts = alerts
    }
    public static let standard = Integrations()

    /// The `people.<id>` keys naming a person on some chat platform or pager, in registry order.
    var handleKeys: [String] {
        var seen = Set<String>()
        return (chat.flatMap(\.handleKeys) + pagers.compactMap(\.handleKey)).filter { seen.insert($0).inserted }
    }
}
