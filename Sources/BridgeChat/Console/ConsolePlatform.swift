import BridgeCore
import Foundation

/// The console chat (`serve` standard input, `--as PERSON`): the user id is the person id, answers go to the
/// terminal only. `chat.console.enabled: false` turns it off.
public struct ConsolePlatform: ChatPlatform {
    public static let id = "console"
    public init() {}
    public var id: String { Self.id }
    public var traits: PlatformTraits { .init(id: id, identity: .personID, answersPrivately: true) }
    public var dialect: any PlatformDialect { PlainDialect() }
    public var handleKeys: [String] { [] }
    public var settingKeys: [SettingKey] { [.init("enabled", .bool)] }
}
