import Foundation

/// Replaces ASCII characters of a string by their escapes on its UTF-8 bytes. An ASCII byte in UTF-8 is always that
/// character, whatever grapheme it is part of; `Character` comparisons and `replacingOccurrences` do not see `<`
/// in `U+0600 <` (a "prepend" character makes them one grapheme) or in `< U+0301` (a combining mark), so an escaper
/// written with them passes markup through. Every escaper of text from a person or an alert goes through here or
/// works on bytes or scalars itself.
public struct ByteEscaper: Sendable {
    /// The replacement of each ASCII byte, nil for those kept.
    let table: [[UInt8]?]

    /// `replacements` maps ASCII characters to what they are written as.
    public init(_ replacements: [Unicode.Scalar: String]) {
        var table = [[UInt8]?](repeating: nil, count: 128)
        for (scalar, text) in replacements {
            precondition(scalar.isASCII, "ByteEscaper replaces ASCII characters only")
            table[Int(scalar.value)] = Array(text.utf8)
        }
        self.table = table
    }

    /// `s` with every listed character replaced; `s` itself when it has none.
    public func callAsFunction(_ s: String) -> String {
        let utf8 = s.utf8
        guard utf8.contains(where: { $0 < 0x80 && table[Int($0)] != nil }) else { return s }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count + 16)
        for b in utf8 {
            if b < 0x80, let r = table[Int(b)] { out.append(contentsOf: r) } else { out.append(b) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
