import Foundation

/// Text from a person or an alert made safe to place in a post before the platform's escaping: fields lose line
/// breaks and control characters, so an alert or a note cannot print a fake "Bridge: ..." line of its own.
public enum OneLine {
    /// Line breaks (CR, LF, NEL, U+2028/9) become one space; other control and format characters are dropped.
    public static func clean(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: needsWork) else { return s }
        var out = String.UnicodeScalarView()
        var lastSpace = false
        for u in s.unicodeScalars {
            if isBreak(u) {
                if !lastSpace { out.append(" ") }
                lastSpace = true
                continue
            }
            if isDropped(u) { continue }
            out.append(u)
            lastSpace = u == " "
        }
        return String(out)
    }

    /// URLs in text a person or an alert wrote stop being links (`https:\u{200B}//...`): no platform autolinks
    /// them, a reader still sees the address. The bot's own links (bridge, runbooks, alert links) are not passed here.
    /// Works on the UTF-8 bytes: `String.contains` and `replacingOccurrences` compare graphemes, and missed `://`
    /// followed by a combining mark.
    public static func inertURLs(_ s: String) -> String {
        let bytes = Array(s.utf8)
        let colon = UInt8(ascii: ":")
        let slash = UInt8(ascii: "/")
        guard bytes.count >= 3, bytes.contains(colon) else { return s }
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + 8)
        for (i, b) in bytes.enumerated() {
            out.append(b)
            if b == colon, i + 2 < bytes.count, bytes[i + 1] == slash, bytes[i + 2] == slash {
                out.append(contentsOf: "\u{200B}".utf8)
            }
        }
        return out.count == bytes.count ? s : String(decoding: out, as: UTF8.self)
    }

    static func needsWork(_ u: Unicode.Scalar) -> Bool { isBreak(u) || isDropped(u) }

    static func isBreak(_ u: Unicode.Scalar) -> Bool {
        u == "\n" || u == "\r" || u.value == 0x0B || u.value == 0x0C || u.value == 0x85 || u.value == 0x2028
            || u.value == 0x2029
    }

    /// C0/C1 controls (TAB kept), and the bidi overrides that can reorder what a reader sees.
    static func isDropped(_ u: Unicode.Scalar) -> Bool {
        let v = u.value
        if v == 0x09 { return false }
        if v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) { return !isBreak(u) }
        return (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }
}
