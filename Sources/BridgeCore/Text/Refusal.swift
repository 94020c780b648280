/// A command or a request the bot refuses: nothing changed. Its kind says why (`/metrics` counts refusals by
/// kind); its words are an id of the catalogue plus the values of its placeholders, written out in the config's
/// language where the answer is given.
public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
    /// Why the bot refused.
    public enum Kind: String, Sendable, CaseIterable {
        /// The text does not parse, or names something that does not exist.
        case input
        /// The incident or the schedule is not in a state that allows it.
        case state
        /// The authorization policy does not let the actor do it.
        case forbidden
    }

    public var kind: Kind
    public var word: Word
    public var args: [String: String]
    /// The verb's usage, given after the reason (grammar refusals).
    public var usage: String?
    /// The action refused and who asked (forbidden refusals).
    public var action: AuthorizationPolicy.Action?
    public var actor: String?

    public init(
        _ kind: Kind,
        _ word: Word,
        _ args: [String: String] = [:],
        usage: String? = nil,
        action: AuthorizationPolicy.Action? = nil,
        actor: String? = nil
    ) {
        self.kind = kind
        self.word = word
        self.args = args
        self.usage = usage
        self.action = action
        self.actor = actor
    }

    /// A refusal by the authorization policy.
    public static func forbidden(
        _ action: AuthorizationPolicy.Action,
        actor: String,
        _ word: Word,
        _ args: [String: String] = [:]
    ) -> Refusal {
        Refusal(.forbidden, word, args, action: action, actor: actor)
    }

    /// The answer in `locale`: the reason, then the usage when there is one.
    public func text(_ words: Words, _ locale: BridgeConfiguration.Locale) -> String {
        let reason = words.text(word, args, in: locale)
        guard let usage else { return reason }
        return words.text(.refusalUsage, ["reason": reason, "usage": usage], in: locale)
    }

    /// The answer in the config's language.
    public func text(_ config: BridgeConfiguration) -> String { text(config.words, config.locale) }

    public var description: String {
        "\(kind.rawValue) refusal \(word.rawValue)"
            + (args.isEmpty ? "" : " " + args.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))
    }
}
