import Foundation

/// The ranges outside input is held to before any arithmetic (chat commands, alerts, platform JSON, HTTP
/// headers, the config): a number out of range is refused or clamped, never trapped on.
public enum Bounds {
    /// Calendar years a date from outside may name.
    public static let years: ClosedRange<Int> = 1970...9999
    /// The longest duration anything accepts: 10 years.
    public static let maxDurationSeconds = 10 * 366 * 86_400
    /// What a server may ask us to wait (`Retry-After`, `retry_after_ms`): 0 s to 1 h.
    public static let retryAfter: ClosedRange<Double> = 0...3600

    /// A server's wait clamped to 0 s-1 h; nil when it is not a number.
    public static func retryAfter(_ seconds: Double?) -> Double? {
        guard let s = seconds, !s.isNaN else { return nil }
        return min(max(s, retryAfter.lowerBound), retryAfter.upperBound)
    }

    /// Nanoseconds for `Task.sleep`, with any seconds (negative, NaN, huge) clamped to 0 s-1 day.
    public static func nanoseconds(_ seconds: Double) -> UInt64 {
        guard !seconds.isNaN else { return 0 }
        return UInt64(min(max(seconds, 0), 86_400) * 1_000_000_000)
    }

    /// A whole number of seconds since 1970 for an instant, clamped to the years above.
    public static func epochSeconds(_ date: Date) -> Int {
        let t = date.timeIntervalSince1970
        guard !t.isNaN else { return 0 }
        return Int(min(max(t, -62_135_596_800), 253_402_300_799).rounded(.down))
    }
}
