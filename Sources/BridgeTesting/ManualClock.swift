import BridgeCore
import Foundation

/// A clock tests move by hand; sleepers wake when time passes their deadline, and a cancelled sleeper wakes at
/// once with `CancellationError` (as `SystemClock` does), so a service's shutdown and wake-ups can be proven
/// under it.
public final class ManualClock: BridgeClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    private var sleepers: [UUID: (Date, CheckedContinuation<Void, Error>)] = [:]

    public init(_ start: Date = ManualClock.reference) { current = start }

    /// 2026-11-26 10:00:00 +09:00.
    public static let reference = Date(timeIntervalSince1970: 1_795_654_800)

    public func now() -> Date { lock.withLock { current } }

    /// How many tasks are asleep on this clock (a test waits for a service to go to sleep before advancing).
    public var sleeperCount: Int { lock.withLock { sleepers.count } }

    /// Moves time forward and wakes every sleeper whose deadline has passed.
    public func advance(by seconds: TimeInterval) {
        let ready: [CheckedContinuation<Void, Error>] = lock.withLock {
            current = current.addingTimeInterval(seconds)
            let now = current
            let due = sleepers.filter { $0.value.0 <= now }
            for key in due.keys { sleepers[key] = nil }
            return due.values.map(\.1)
        }
        ready.forEach { $0.resume() }
    }

    public func sleep(until deadline: Date) async throws {
        let id = UUID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, Error>) in
                enum Start { case now, cancelled, wait }
                let start: Start = lock.withLock {
                    if Task.isCancelled { return .cancelled }
                    if deadline <= current { return .now }
                    sleepers[id] = (deadline, c)
                    return .wait
                }
                switch start {
                case .now: c.resume()
                case .cancelled: c.resume(throwing: CancellationError())
                case .wait: break
                }
            }
        } onCancel: {
            let sleeper = lock.withLock { sleepers.removeValue(forKey: id) }
            sleeper?.1.resume(throwing: CancellationError())
        }
    }
}
