import Foundation

/// How text is written on one platform: text that came from a person or an alert escaped so it cannot ping a
/// channel or forge a link, and people mentioned in the platform's syntax. Each chat platform has one.
public protocol PlatformDialect: Sendable {
    func escape(_ text: String) -> String
    func mention(_ person: BridgeConfiguration.Person) -> String
}

/// The dialect of the console and of platforms without rules of their own: text as it is, `@name` mentions.
public struct PlainDialect: PlatformDialect {
    public init() {}
    public func escape(_ text: String) -> String { text }
    public func mention(_ person: BridgeConfiguration.Person) -> String { "@\(person.name)" }
}
