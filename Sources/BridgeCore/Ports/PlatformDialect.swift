import Foundation

/// How text is written on one platform: text that came from a person or an alert escaped so it cannot ping a
/// channel or forge a link, and people mentioned in the platform's syntax. Each chat platform has one.
public protocol PlatformDialect: Sendable {
    func escape(_ text: String) -> String
    func mention(_ person: BridgeConfiguration.Person) -> String
    /// Whether `text`, a rendered post of `kind`, is shown whole by the platform (its size limits, as its poster
    /// sends it). When it is not, the renderer cuts the fields a person or an alert wrote (title, summary, text)
    /// until it is, so that the template's own lines (bridge, R/A, deadlines) are never what is cut.
    func fits(_ text: String, kind: PostKind) -> Bool
}

extension PlatformDialect {
    /// No limit (the console).
    public func fits(_ text: String, kind: PostKind) -> Bool { true }
}

/// The dialect of the console and of platforms without rules of their own: text as it is, `@name` mentions.
public struct PlainDialect: PlatformDialect {
    public init() {}
    public func escape(_ text: String) -> String { text }
    public func mention(_ person: BridgeConfiguration.Person) -> String { "@\(person.name)" }
}
