import Foundation

/// What the operating-model checks need to know about files (runbooks, templates), injected so the checks
/// run the same over a real folder and over a test's fake.
public protocol FileProbe: Sendable {
    func fileExists(_ path: String) -> Bool
    func isDirectory(_ path: String) -> Bool
    /// The names in a folder, or nil when it cannot be read.
    func contents(ofDirectory path: String) -> [String]?
    /// The folder relative paths start from.
    var currentDirectory: String { get }
}

/// The local file system.
public struct LocalFiles: FileProbe {
    public init() {}
    public func fileExists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
    public func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }
    public func contents(ofDirectory path: String) -> [String]? {
        try? FileManager.default.contentsOfDirectory(atPath: path)
    }
    public var currentDirectory: String { FileManager.default.currentDirectoryPath }
}
