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

    /// URLs in text a person or an alert wrote stop being links: `https:\u{200B}//...`, and a zero-width space
    /// before each dot of a bare address a platform links by itself (`www.example.com`, `host.tld/path`,
    /// `host.tld:8080/...`, the host of a scheme URL too). No platform autolinks them; a reader still sees the
    /// address. The bot's own links (bridge, runbooks, alert links) are not passed here.
    public static func inertURLs(_ s: String) -> String { inertHosts(inertSchemes(s)) }

    /// `://` becomes `:\u{200B}//`. Works on the UTF-8 bytes: `String.contains` and `replacingOccurrences`
    /// compare graphemes, and missed `://` followed by a combining mark.
    static func inertSchemes(_ s: String) -> String {
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

    /// Bare addresses: a run of host characters and dots whose last label is a top-level domain (letters, two or
    /// more) and that starts with `www.` or is followed by `/` or `:<port>` gets a zero-width space before each of
    /// its dots, so no label pair forms a domain (platforms link `www.x.y` and `x.y/path`; Slack and Element link
    /// bare `x.y` too, which is left as it is: host names in alerts are copied by readers). On scalars.
    static func inertHosts(_ s: String) -> String {
        guard s.utf8.contains(UInt8(ascii: ".")) else { return s }
        let u = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView()
        var changed = false
        var i = 0
        while i < u.count {
            guard isHostScalar(u[i]) else {
                out.append(u[i])
                i += 1
                continue
            }
            var end = i
            while end < u.count && (isHostScalar(u[end]) || u[end] == ".") { end += 1 }
            var hostEnd = end
            while hostEnd > i && u[hostEnd - 1] == "." { hostEnd -= 1 }  // a full stop after the address
            let labels = u[i..<hostEnd].split(separator: ".", omittingEmptySubsequences: false)
            // GitHub-flavoured Markdown links `www.` followed by any label (no top-level domain needed, empty labels
            // too) and after `_` as after a space: any run holding `www.` is made inert.
            let www = labels.dropLast().contains { $0.count >= 3 && isWWW($0.suffix(3)) }
            let linked =
                www
                || (labels.count >= 2 && !labels.contains(where: \.isEmpty) && isTopLevel(labels[labels.count - 1])
                    && startsPathOrPort(u, hostEnd))
            for k in i..<end {
                if linked && k < hostEnd && u[k] == "." {
                    out.append("\u{200B}")
                    changed = true
                }
                out.append(u[k])
            }
            i = end
        }
        return changed ? String(out) : s
    }

    /// Letters and digits of any script, `-` and `_`: what a linkifier takes as part of a host name.
    static func isHostScalar(_ u: Unicode.Scalar) -> Bool {
        if u.isASCII {
            let v = u.value
            return (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) || u == "-"
                || u == "_"
        }
        return u.properties.isAlphabetic || u.properties.numericType != nil
    }

    static func isTopLevel(_ label: ArraySlice<Unicode.Scalar>) -> Bool {
        label.count >= 2 && label.allSatisfy { $0.properties.isAlphabetic }
    }

    static func isWWW(_ label: ArraySlice<Unicode.Scalar>) -> Bool {
        label.count == 3 && label.allSatisfy { $0 == "w" || $0 == "W" }
    }

    /// `/` or `:` and a digit at `i`.
    static func startsPathOrPort(_ u: [Unicode.Scalar], _ i: Int) -> Bool {
        guard i < u.count else { return false }
        if u[i] == "/" { return true }
        return u[i] == ":" && i + 1 < u.count && ("0"..."9").contains(u[i + 1])
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
