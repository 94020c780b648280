import Foundation

/// What the core must know about a chat platform, learned from the platform registry when the config is
/// loaded (`BridgeConfiguration.platformTraits`), never spelled in the core: whose user id a command carries,
/// whether answers there are private, and the mention links its users write.
public struct PlatformTraits: Sendable, Equatable {
    /// How a platform's user id names a person.
    public enum Identity: Sendable, Equatable {
        /// The user id is the person id itself (a local terminal started with `--as PERSON`).
        case personID
        /// `people.<id>.<key>` holds the platform's stable user id (never a display name or e-mail).
        case personKey(String)
        /// No command comes from the platform (a post-only webhook): nobody is identified there.
        case nobody
    }

    /// The platform id (the `chat.<id>` key, `Destination.platform`).
    public var id: String
    public var identity: Identity
    /// True where only the asker sees the answer (ephemeral or a direct reply), so R/A may read another
    /// channel's incident there.
    public var answersPrivately: Bool
    /// Link prefixes a mention may be written as (`https://host/#/` + user id): the rest is the user id.
    public var mentionLinks: [String]

    public init(id: String, identity: Identity, answersPrivately: Bool, mentionLinks: [String] = []) {
        self.id = id
        self.identity = identity
        self.answersPrivately = answersPrivately
        self.mentionLinks = mentionLinks
    }

    /// The `people.<id>` key holding the stable user id, nil when the user id is the person id.
    public var personKey: String? {
        if case .personKey(let k) = identity { return k }
        return nil
    }
}

extension BridgeConfiguration {
    /// The traits of platform `id`, nil for a platform the registry does not know.
    public func traits(_ platform: String) -> PlatformTraits? { platformTraits[platform] }

    /// Every mention link prefix of the known platforms (for the command parser).
    /// (Read for every command: one platform, the usual case, is returned without sorting or copying.)
    public var mentionLinks: [String] {
        if platformTraits.count <= 1 { return platformTraits.first?.value.mentionLinks ?? [] }
        return platformTraits.values.sorted { $0.id < $1.id }.flatMap(\.mentionLinks)
    }

    /// `command` with its answer privacy decided: as the adapter stated it, else by the platform's traits.
    public func resolvingPrivacy(_ command: ChatCommand) -> ChatCommand {
        var c = command
        if !c.privacyStated { c.privateReply = traits(c.platform)?.answersPrivately ?? false }
        return c
    }
}
