import Foundation

/// Small persisted values: poll cursors (the Matrix `since` token), installation ids.
public protocol CursorStore: Sendable {
    func value(forKey key: String) async throws -> String?
    func setValue(_ value: String, forKey key: String) async throws
}
