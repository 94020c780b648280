import BridgeCore
import Foundation
import Yams

/// One configuration problem: the key path, the line in the file and what to fix.
public struct ConfigIssue: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var line: Int?
    public var message: String
    public init(path: String, line: Int?, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }
    public var description: String {
        "\(path)\(line.map { " (line \($0))" } ?? ""): \(message)"
    }
}

/// Refusal to load a configuration, with every problem found.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var issues: [ConfigIssue]
    public init(file: String, issues: [ConfigIssue]) {
        self.file = file
        self.issues = issues
    }
    public var description: String {
        issues.map { "\(file): \($0)" }.joined(separator: "\n")
    }
}

/// A configuration loaded for linting: the model, the line of every key path, and the problems that lenient
/// loading let through instead of refusing the file.
public struct LoadedConfiguration: Sendable {
    public var configuration: BridgeConfiguration
    /// Key path (`event_types.db-outage.raci`, `agreements[2]`) -> line in the file.
    public var lines: [String: Int]
    /// RACI rows with zero or several A's (empty in strict mode, where they refuse the file).
    public var relaxedIssues: [ConfigIssue]
}

/// Loads and validates `bridge.yaml`.
public enum ConfigLoader {
    /// Default search order when `--config` is not given.
    public static let defaultPaths = ["bridge.yaml", "Examples/bridge.yaml"]

    /// Picks the config file: the explicit path, else the first default that exists.
    public static func resolvePath(_ explicit: String?) -> String {
        if let explicit { return explicit }
        return defaultPaths.first { FileManager.default.fileExists(atPath: $0) } ?? defaultPaths[0]
    }

    /// Reads and validates a file; throws `ConfigError` naming key paths and lines.
    public static func load(path: String) throws -> BridgeConfiguration {
        try load(path: path, lenient: false).configuration
    }

    /// Reads and validates a file. `lenient` loads RACI rows with zero or several A's (recorded in
    /// `relaxedIssues`) so `check` can list them with every other hole; everything else is still refused.
    public static func load(
        path: String,
        lenient: Bool,
        integrations: Integrations = .standard
    ) throws -> LoadedConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(file: path, issues: [.init(path: "(file)", line: nil, message: "cannot read the file")])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, issues: [.init(path: "(file)", line: nil, message: "not UTF-8 text")])
        }
        var loaded = try load(yaml: text, file: path, lenient: lenient, integrations: integrations)
        loaded.configuration.sourcePath = path
        return loaded
    }

    /// Parses and validates YAML text.
    public static func load(
        yaml text: String,
        file: String = "bridge.yaml",
        integrations: Integrations = .standard
    ) throws -> BridgeConfiguration {
        try load(yaml: text, file: file, lenient: false, integrations: integrations).configuration
    }

    /// Parses and validates YAML text, strictly or leniently (see `load(path:lenient:)`).
    public static func load(
        yaml text: String,
        file: String = "bridge.yaml",
        lenient: Bool,
        integrations: Integrations = .standard
    ) throws -> LoadedConfiguration {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ConfigError(file: file, issues: [.init(path: "(root)", line: nil, message: "the file is empty")])
            }
            root = node
        } catch let e as ConfigError {
            throw e
        } catch let YamlError.scanner(_, problem, mark, _), let YamlError.parser(_, problem, mark, _),
            let YamlError.composer(_, problem, mark, _)
        {
            throw ConfigError(file: file, issues: [.init(path: "(yaml)", line: mark.line, message: problem)])
        } catch {
            throw ConfigError(file: file, issues: [.init(path: "(yaml)", line: nil, message: "\(error)")])
        }
        var reader = ConfigReader()
        reader.lenient = lenient
        reader.integrations = integrations
        let config = reader.read(root)
        guard reader.issues.isEmpty, let config else {
            throw ConfigError(file: file, issues: reader.issues + reader.relaxed)
        }
        return LoadedConfiguration(configuration: config, lines: reader.lines, relaxedIssues: reader.relaxed)
    }
}
