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

    /// A yes/no setting (`true`, `yes`, `on` are yes).
    public static func flag(_ value: String?) -> Bool {
        ["true", "yes", "on"].contains((value ?? "false").lowercased())
    }
}
