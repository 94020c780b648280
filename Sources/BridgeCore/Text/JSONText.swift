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
        // On the bytes: a scalar at a time into a String was most of a 100k-row JSON export with quotes in it.
        var out: [UInt8] = [UInt8(ascii: "\"")]
        out.reserveCapacity(s.utf8.count + 16)
        let hex = Array("0123456789abcdef".utf8)
        for b in s.utf8 {
            let named: UInt8?
            switch b {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): named = b
            case 0x08: named = UInt8(ascii: "b")
            case 0x09: named = UInt8(ascii: "t")
            case 0x0A: named = UInt8(ascii: "n")
            case 0x0C: named = UInt8(ascii: "f")
            case 0x0D: named = UInt8(ascii: "r")
            case ..<0x20: named = nil
            default:
                out.append(b)
                continue
            }
            out.append(UInt8(ascii: "\\"))
            if let named {
                out.append(named)
            } else {
                out.append(contentsOf: "u00".utf8)
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 15)])
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
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
