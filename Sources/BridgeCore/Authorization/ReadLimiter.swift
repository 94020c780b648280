import Foundation

/// A token bucket per person for the read verbs (`list`, `show`, `timeline`, `kpi`): a burst of `burst`, then one
/// every `every` seconds. A person pressing `timeline` in a loop gets a one-line refusal instead of the bot's
/// memory and database time; writes are never limited (an incident must always be declarable).
public final class ReadLimiter: @unchecked Sendable {
    public let burst: Double
    public let every: Double
    private let lock = NSLock()
    private var buckets: [String: (tokens: Double, at: Date)] = [:]

    public init(burst: Int = 20, every: Double = 2) {
        self.burst = Double(burst)
        self.every = every
    }

    /// Takes one token for `person` at `now`; nil when allowed, else the seconds until the next one.
    public func take(_ person: String, now: Date) -> Int? {
        lock.withLock {
            var b = buckets[person] ?? (burst, now)
            let elapsed = max(0, now.timeIntervalSince(b.at))
            b.tokens = min(burst, b.tokens + elapsed / every)
            b.at = now
            defer {
                buckets[person] = b
                // Forget full buckets now and then: the table holds only people who read a lot lately.
                if buckets.count > 10_000 { buckets = buckets.filter { $0.value.tokens < burst } }
            }
            guard b.tokens >= 1 else { return max(1, Int(((1 - b.tokens) * every).rounded(.up))) }
            b.tokens -= 1
            return nil
        }
    }
}
