import Foundation

/// A missing secret or setting that stops `serve` from starting.
public struct SettingsError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Reads secrets named by a config section's `*_env` keys from the environment (never from the file).
public struct Secrets: Sendable {
    public var environment: [String: String]
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// The value of the variable named by `settings[key]` (or `defaultName`); nil when none is named or it is
    /// unset and not `required`. A required secret that is missing is an error naming the key and variable.
    public func value(
        _ settings: [String: String],
        _ key: String,
        default defaultName: String? = nil,
        path: String,
        required: Bool
    ) throws -> String? {
        guard let envName = settings[key] ?? defaultName else { return nil }
        if let v = environment[envName], !v.isEmpty { return v }
        if required { throw SettingsError(message: "\(path).\(key): environment variable \(envName) is not set") }
        return nil
    }
}

/// The one reading of a yes/no setting everywhere in the config: `true`, `yes`, `on`, `1` are yes; `false`,
/// `no`, `off`, `0` are no (any case); anything else is no answer (the loader refuses it with its line).
public enum YesNo {
    public static func parse(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: return nil
        }
    }

    /// A setting already checked at load: absent (or unreadable) is `absent`.
    public static func value(_ text: String?, absent: Bool = false) -> Bool { text.flatMap(parse) ?? absent }
}

/// One key an integration section (`chat.<id>`, `paging.<id>`, `alerts.<id>`) allows, and what its value is.
/// The loader refuses any other key, and a value of the wrong kind, naming the file, key path and line.
public struct SettingKey: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// Free text (ids, names, addresses).
        case text
        /// An absolute `http(s)://` URL (or `smtp(s)://` for mail).
        case url
        /// A yes/no value (`YesNo`).
        case bool
        /// A list of values (or one value).
        case list
        /// The name of an environment variable holding a secret (`*_env`).
        case secret
    }
    public var name: String
    public var kind: Kind
    public var required: Bool
    public init(_ name: String, _ kind: Kind = .text, required: Bool = false) {
        self.name = name
        self.kind = kind
        self.required = required
    }
}

/// What an integration (a chat platform, a pager, an alert source) tells the loader about its config section:
/// its id under `chat` / `paging` / `alerts`, its allowed keys, and the checks that need several keys.
public protocol IntegrationSchema: Sendable {
    /// The section key (`chat.<id>`).
    var id: String { get }
    /// Every key the section may hold.
    var settingKeys: [SettingKey] { get }
    /// Problems with the section as a whole (keys that need each other), as (key or nil, message).
    func problems(_ section: [String: String]) -> [(key: String?, message: String)]
}

extension IntegrationSchema {
    public func problems(_ section: [String: String]) -> [(key: String?, message: String)] { [] }
}
