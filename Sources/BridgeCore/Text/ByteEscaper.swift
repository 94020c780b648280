import Foundation

/// Replaces ASCII characters of a string by their escapes on its UTF-8 bytes. An ASCII byte in UTF-8 is always that
/// character, whatever grapheme it is part of; `Character` comparisons and `replacingOccurrences` do not see `<`
/// in `U+0600 <` (a "prepend" character makes them one grapheme) or in `< U+0301` (a combining mark), so an escaper
/// written with them passes markup through. Every escaper of text from a person or an alert goes through here or
/// works on bytes or scalars itself.
public struct ByteEscaper: Sendable {
    /// The replacement of each ASCII byte, nil for those kept.
    let table: [[UInt8]?]
    /// Which ASCII bytes are replaced (bit `b` of `low` for 0-63, bit `b - 64` of `high`): a test of a byte that
    /// does not touch the table's arrays (reading an optional array per byte retained and released it, which was
    /// most of a 100k-row export with quotes or pipes in it).
    let low: UInt64
    let high: UInt64

    /// `replacements` maps ASCII characters to what they are written as.
    public init(_ replacements: [Unicode.Scalar: String]) {
        var table = [[UInt8]?](repeating: nil, count: 128)
        var low: UInt64 = 0
        var high: UInt64 = 0
        for (scalar, text) in replacements {
            precondition(scalar.isASCII, "ByteEscaper replaces ASCII characters only")
            table[Int(scalar.value)] = Array(text.utf8)
            if scalar.value < 64 { low |= 1 << UInt64(scalar.value) } else { high |= 1 << UInt64(scalar.value - 64) }
        }
        self.table = table
        self.low = low
        self.high = high
    }

    /// True when `b` is replaced.
    @inline(__always) func replaces(_ b: UInt8) -> Bool {
        b < 64 ? (low >> UInt64(b)) & 1 == 1 : b < 128 && (high >> UInt64(b &- 64)) & 1 == 1
    }

    /// `s` with every listed character replaced; `s` itself when it has none.
    public func callAsFunction(_ s: String) -> String {
        let utf8 = s.utf8
        guard utf8.contains(where: replaces) else { return s }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count + 16)
        for b in utf8 {
            if replaces(b), let r = table[Int(b)] { out.append(contentsOf: r) } else { out.append(b) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
