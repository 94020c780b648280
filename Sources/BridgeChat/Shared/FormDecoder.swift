import Foundation

/// Decodes `application/x-www-form-urlencoded` bodies (Slack and Mattermost slash commands). Hand-written, as
/// Hummingbird's `URLEncodedFormDecoder` is much slower on real slash-command bodies (see BENCHMARKS.md: "Hand-written code against the library it replaces").
public enum FormDecoder {
    /// Field name -> value (the last one wins); nil when the body is not valid form encoding (a bad `%` escape
    /// or bytes that are not UTF-8). Works on the bytes: Foundation's string bridging is slow on Linux.
    public static func decode(_ body: Data) -> [String: String]? {
        body.withUnsafeBytes { raw in decode(raw.bindMemory(to: UInt8.self)) }
    }

    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> [String: String]? {
        var out: [String: String] = Dictionary(minimumCapacity: 12)
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "&") { end += 1 }
            if end > start {
                var eq = start
                while eq < end && bytes[eq] != UInt8(ascii: "=") { eq += 1 }
                guard let key = decodeComponent(UnsafeBufferPointer(rebasing: bytes[start..<eq])) else { return nil }
                let value = eq < end ? decodeComponent(UnsafeBufferPointer(rebasing: bytes[(eq + 1)..<end])) : ""
                guard let value else { return nil }
                out[key] = value
            }
            start = end + 1
        }
        return out
    }

    /// `+` is a space, `%XX` a byte; the result must be UTF-8.
    static func decodeComponent(_ s: UnsafeBufferPointer<UInt8>) -> String? {
        // Most fields (ids, names, the command) have nothing to unescape.
        if !s.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) {
            return String(validating: s, as: UTF8.self)
        }
        var out = [UInt8]()
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            let b = s[i]
            if b == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if b == UInt8(ascii: "%") {
                guard i + 2 < s.count,
                    let hi = hexValue(s[i + 1]), let lo = hexValue(s[i + 2])
                else { return nil }
                out.append(hi << 4 | lo)
                i += 2
            } else {
                out.append(b)
            }
            i += 1
        }
        return String(validating: out, as: UTF8.self)
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
