import BridgeCore
import Foundation

/// Resumes a continuation once, with whichever value arrives first.
final class FirstValue<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    var continuation: CheckedContinuation<T, Never>?

    /// Resumes with `value`; false when another value came first.
    @discardableResult func resume(_ value: T) -> Bool {
        lock.lock()
        let c = continuation
        continuation = nil
        lock.unlock()
        c?.resume(returning: value)
        return c != nil
    }

    func set(_ c: CheckedContinuation<T, Never>) { lock.withLock { continuation = c } }
}

/// Runs `work` but answers with `fallback` if it takes longer than `seconds`; the work still completes and its
/// value goes to `late` (which delivers what the fallback promised). Chat platforms drop answers after 3 s (Slack,
/// Mattermost) or 5 s (Teams). One shared watcher (50 ms granularity) answers the late ones, so a request costs one
/// task and no timer of its own.
func withDeadline<T: Sendable>(
    _ seconds: Double,
    fallback: T,
    late: (@Sendable (T) async -> Void)? = nil,
    _ work: @escaping @Sendable () async -> T
) async -> T {
    let first = FirstValue<T>()
    return await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
        first.set(c)
        let ticket = DeadlineWatcher.shared.add(after: seconds) { first.resume(fallback) }
        Task {
            let value = await work()
            let inTime = first.resume(value)
            DeadlineWatcher.shared.remove(ticket)
            if !inTime, let late { await late(value) }
        }
    }
}

/// Fires the fallbacks of requests that are past their deadline; sleeps while there are none.
final class DeadlineWatcher: @unchecked Sendable {
    static let shared = DeadlineWatcher()
    private let lock = NSLock()
    private var entries: [Int: (due: Date, fire: @Sendable () -> Void)] = [:]
    private var next = 0
    private var running = false

    func add(after seconds: Double, _ fire: @escaping @Sendable () -> Void) -> Int {
        let (ticket, start) = lock.withLock { () -> (Int, Bool) in
            next += 1
            entries[next] = (Date().addingTimeInterval(seconds), fire)
            defer { running = true }
            return (next, !running)
        }
        if start { Task { await self.loop() } }
        return ticket
    }

    func remove(_ ticket: Int) { _ = lock.withLock { entries.removeValue(forKey: ticket) } }

    /// Fallbacks still waiting for their deadline.
    var pending: Int { lock.withLock { entries.count } }

    private func loop() async {
        while true {
            try? await Task.sleep(nanoseconds: 50_000_000)
            let now = Date()
            let (due, idle) = lock.withLock { () -> ([@Sendable () -> Void], Bool) in
                let late = entries.filter { $0.value.due <= now }
                for k in late.keys { entries.removeValue(forKey: k) }
                if entries.isEmpty { running = false }
                return (late.values.map(\.fire), entries.isEmpty)
            }
            for f in due { f() }
            if idle { return }
        }
    }
}
