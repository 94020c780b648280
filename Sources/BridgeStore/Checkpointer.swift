import Foundation
import GRDB

/// Copies committed WAL frames back into the database file on its own connection and thread, shortly after
/// commits, so the single writer does not stall for a checkpoint in the middle of a burst (that stall was the
/// p99 of the chat routes). A PASSIVE checkpoint never blocks the writer or readers. The writer's automatic
/// checkpoint stays as the backstop, at `backstopPages`, for when this one falls behind or cannot run.
final class Checkpointer: @unchecked Sendable {
    static let backstopPages = 8000
    private let path: String
    private let delay: Double
    private let queue = DispatchQueue(label: "incident-bridge.checkpoint")
    private let lock = NSLock()
    private var pending = false
    private var connection: DatabaseQueue?

    init(path: String, delay: Double = 0.1) {
        self.path = path
        self.delay = delay
    }

    /// Called after a commit: one checkpoint runs `delay` later for all the commits until then.
    func nudge() {
        let start = lock.withLock { () -> Bool in
            if pending { return false }
            pending = true
            return true
        }
        if start { queue.asyncAfter(deadline: .now() + delay) { self.run() } }
    }

    private func run() {
        lock.withLock { pending = false }
        do {
            if connection == nil {
                // Never create a database: the file may have been moved away (restore) since.
                guard FileManager.default.fileExists(atPath: path) else { return }
                connection = try DatabaseQueue(path: path)
            }
            try connection?.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
        } catch {
            // The writer's automatic checkpoint takes over; nothing is lost either way.
            connection = nil
        }
    }
}
