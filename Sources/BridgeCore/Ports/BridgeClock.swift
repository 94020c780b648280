import Foundation

/// The source of time for the core. Production uses `SystemClock`; tests use a manual clock.
public protocol BridgeClock: Sendable {
    /// The current instant.
    func now() -> Date
    /// Suspends until `deadline` (or returns early if cancelled by throwing `CancellationError`).
    func sleep(until deadline: Date) async throws
}

/// Wall-clock time from the operating system.
public struct SystemClock: BridgeClock {
    public init() {}
    public func now() -> Date { Date() }
    public func sleep(until deadline: Date) async throws {
        let interval = deadline.timeIntervalSinceNow
        if interval > 0 {
            try await Task.sleep(nanoseconds: UInt64(min(interval, 86_400) * 1_000_000_000))
        }
    }
}
