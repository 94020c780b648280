import BridgeCore
import Foundation

/// One hole in the operating model found by `OperatingModelCheck`: where in the config, how bad, and why.
public struct ModelFinding: Sendable, Codable, Equatable, CustomStringConvertible {
    /// Errors make `check` exit 1; warnings are printed and leave the exit code at 0.
    public enum Level: String, Sendable, Codable { case error, warning }

    /// The part of the operating model a finding is about.
    public enum Area: String, Sendable, Codable, CaseIterable {
        case raci, roles, reachability, escalation, chain, coverage, runbooks, bridge, hypercare, security
    }

    public var level: Level
    public var area: Area
    /// Config key path, e.g. `event_types.db-outage.raci` or `coverage.application.first_response`.
    public var path: String
    /// Line in the config file, when known.
    public var line: Int?
    public var message: String

    public init(level: Level, area: Area, path: String, line: Int? = nil, message: String) {
        self.level = level
        self.area = area
        self.path = path
        self.line = line
        self.message = message
    }

    /// `path (line N): message`.
    public var description: String { "\(path)\(line.map { " (line \($0))" } ?? ""): \(message)" }
}
