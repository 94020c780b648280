import BridgeCore
import Foundation

/// Resumes a continuation once, with whichever value arrives first.
final class FirstValue<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    var continuation: CheckedContinuation<T, Never>?

    func resume(_ value: T) {
        lock.lock()
        let c = continuation
        continuation = nil
        lock.unlock()
        c?.resume(returning: value)
    }

    func set(_ c: CheckedContinuation<T, Never>) { lock.withLock { continuation = c } }
}

/// Runs `work` but answers with `fallback` if it takes longer than `seconds`; the work still completes.
/// Chat platforms drop answers after 3 s (Slack, Mattermost) or 5 s (Teams).
func withDeadline<T: Sendable>(_ seconds: Double, fallback: T, _ work: @escaping @Sendable () async -> T) async -> T {
    let first = FirstValue<T>()
    return await withCheckedContinuation { (c: CheckedContinuation<T, Never>) in
        first.set(c)
        let timer = Task {
            do { try await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000)) } catch { return }
            first.resume(fallback)
        }
        Task {
            let value = await work()
            first.resume(value)
            timer.cancel()  // a finished command leaves no sleeping task behind
        }
    }
}
