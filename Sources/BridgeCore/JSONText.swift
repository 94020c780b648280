import Foundation

/// JSON string literals written by hand where a document is built piece by piece (streamed exports, log lines).
public enum JSONText {
    /// A JSON string exactly as Foundation's JSONEncoder writes it with `.withoutEscapingSlashes`: `"` and `\`
    /// escaped, \b \t \n \f \r by name, other controls below U+0020 as lower-case `\u00xx`, everything else
    /// (slashes, non-ASCII, U+2028) as it is.
    public static func quote(_ s: String) -> String {
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + s + "\""
        }
        var out = "\""
        out.reserveCapacity(s.utf8.count + 2)
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{8}": out += "\\b"
            case "\t": out += "\\t"
            case "\n": out += "\\n"
            case "\u{c}": out += "\\f"
            case "\r": out += "\\r"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out + "\""
    }

    /// The bytes `s` takes inside a JSON string written by JSONSerialization (which also escapes `/`), without the
    /// quotes: what a platform's request size limit sees of a text.
    public static func encodedSize(_ s: String) -> Int {
        var n = 0
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), 0x08, 0x09, 0x0A, 0x0C, 0x0D: n += 2
            case ..<0x20: n += 6
            default: n += 1
            }
        }
        return n
    }
}
