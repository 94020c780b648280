import Foundation

/// A duration written in the config as `30s`, `15m`, `4h`, `1h30m` or `2d`, stored as whole seconds.
public struct BridgeDuration: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var seconds: Int

    public init(seconds: Int) { self.seconds = seconds }

    public static func minutes(_ m: Int) -> BridgeDuration { .init(seconds: m * 60) }
    public static func hours(_ h: Int) -> BridgeDuration { .init(seconds: h * 3600) }

    /// Parses `1h30m`, `15m`, `30s`, `2d`, `1w`; returns nil for anything else (no bare numbers, no zero-length text,
    /// nothing over 10 years).
    public init?(parsing text: String) {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        guard !s.isEmpty else { return nil }
        var total = 0
        var number = ""
        var sawUnit = false
        var lastRank = Int.max
        for ch in s {
            if ch.isASCII, ch.isNumber {
                number.append(ch)
                continue
            }
            let (mult, rank): (Int, Int)
            switch ch {
            case "w": (mult, rank) = (604_800, 5)
            case "d": (mult, rank) = (86_400, 4)
            case "h": (mult, rank) = (3_600, 3)
            case "m": (mult, rank) = (60, 2)
            case "s": (mult, rank) = (1, 1)
            default: return nil
            }
            guard let n = Int(number), rank < lastRank, n <= 1_000_000 else { return nil }
            total += n * mult
            number = ""
            sawUnit = true
            lastRank = rank
        }
        guard number.isEmpty, sawUnit, total <= Bounds.maxDurationSeconds else { return nil }
        self.seconds = total
    }

    public var timeInterval: TimeInterval { TimeInterval(seconds) }

    /// Canonical short form: `4h15m`, `30s`, `0s`.
    public var description: String {
        if seconds == 0 { return "0s" }
        var rest = abs(seconds)
        var out = seconds < 0 ? "-" : ""
        for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }

    public static func < (lhs: BridgeDuration, rhs: BridgeDuration) -> Bool { lhs.seconds < rhs.seconds }
    public static func + (lhs: BridgeDuration, rhs: BridgeDuration) -> BridgeDuration {
        .init(seconds: lhs.seconds + rhs.seconds)
    }
}

extension BridgeDuration {
    /// The duration between two instants, rounded down to whole seconds.
    public static func between(_ a: Date, _ b: Date) -> BridgeDuration {
        .init(seconds: Bounds.epochSeconds(b) - Bounds.epochSeconds(a))
    }
}
