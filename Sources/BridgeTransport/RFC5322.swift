import Foundation

/// Pieces of an RFC 5322 / MIME message: dates, encoded-words, addresses, folding, base64 bodies.
/// Everything here is locale independent and uses CRLF line ends.
enum RFC5322 {
    static let crlf = "\r\n"
    static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Thu, 26 Nov 2026 23:48:00 +0900` (RFC 5322 section 3.3), in `timeZone`.
    static func date(_ date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let offsetMinutes = timeZone.secondsFromGMT(for: date) / 60
        let sign = offsetMinutes < 0 ? "-" : "+"
        let offset = abs(offsetMinutes)
        return dayNames[(parts.weekday ?? 1) - 1] + ", " + pad(parts.day ?? 1) + " "
            + monthNames[(parts.month ?? 1) - 1] + " " + pad(parts.year ?? 1970, width: 4) + " "
            + pad(parts.hour ?? 0) + ":" + pad(parts.minute ?? 0) + ":" + pad(parts.second ?? 0) + " "
            + sign + pad(offset / 60) + pad(offset % 60)
    }

    static func pad(_ value: Int, width: Int = 2) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// Line breaks and other control characters in header input become spaces (no header injection).
    static func sanitize(_ text: String) -> String {
        String(
            String.UnicodeScalarView(
                text.unicodeScalars.map { scalar in
                    scalar.value < 0x20 || scalar.value == 0x7F ? " " : scalar
                }
            )
        )
    }

    /// Whether header text must be sent as encoded-words: non-ASCII, or something a reader could mistake
    /// for an encoded-word.
    static func needsEncoding(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value > 0x7E } || text.contains("=?")
    }

    /// `text` as RFC 2047 `=?UTF-8?B?...?=` words, each at most 75 characters, the first one at most
    /// `firstLimit` (so that it fits the header's first line). Words never split a character (a grapheme
    /// cluster, or when one cluster alone is too long, a Unicode scalar).
    static func encodedWords(_ text: String, firstLimit: Int = 75) -> [String] {
        let overhead = "=?UTF-8?B?".count + "?=".count
        func byteBudget(_ limit: Int) -> Int { max(3, (limit - overhead) / 4 * 3) }
        var words: [String] = []
        var chunk: [UInt8] = []
        var budget = byteBudget(firstLimit)
        func flush() {
            guard !chunk.isEmpty else { return }
            words.append("=?UTF-8?B?" + Data(chunk).base64EncodedString() + "?=")
            chunk.removeAll()
            budget = byteBudget(75)
        }
        func add(_ bytes: [UInt8]) {
            if chunk.count + bytes.count > budget { flush() }
            chunk += bytes
        }
        for character in text {
            let bytes = Array(String(character).utf8)
            if bytes.count <= byteBudget(75) {
                add(bytes)
            } else {
                for scalar in character.unicodeScalars { add(Array(String(scalar).utf8)) }
            }
        }
        flush()
        return words
    }

    /// An unstructured header (`Subject`) as a complete field, folded with CRLF + space.
    static func unstructuredField(_ name: String, _ value: String) -> String {
        let text = sanitize(value)
        let prefix = name + ": "
        if needsEncoding(text) {
            // RFC 2047 section 2: a line holding encoded-words is at most 76 characters.
            let words = encodedWords(text, firstLimit: 76 - prefix.count)
            return prefix + words.joined(separator: crlf + " ")
        }
        return fold(prefix + text)
    }

    /// Folds plain ASCII header text at spaces so lines stay within 78 characters where possible.
    static func fold(_ line: String, limit: Int = 78) -> String {
        guard line.count > limit else { return line }
        let words = line.split(separator: " ", omittingEmptySubsequences: false)
        var lines: [String] = []
        var current = String(words[0])
        for (index, word) in words.enumerated().dropFirst() {
            // Never break right after the field name, nor before an empty word (no blank lines).
            if index > 1 && !word.isEmpty && current.count + 1 + word.count > limit {
                lines.append(current)
                current = " " + word
            } else {
                current += " " + word
            }
        }
        lines.append(current)
        return lines.joined(separator: crlf)
    }

    /// The bare `addr-spec` of `Name <addr>` or `addr`.
    static func addrSpec(_ address: String) -> String {
        let text = sanitize(address).trimmingCharacters(in: .whitespaces)
        if let open = text.lastIndex(of: "<"), let close = text.lastIndex(of: ">"), open < close {
            return String(text[text.index(after: open)..<close]).trimmingCharacters(in: .whitespaces)
        }
        return text
    }

    /// `Name <addr>` with the name quoted or encoded as needed; a bare address stays bare.
    static func mailbox(_ address: String) -> String {
        let text = sanitize(address).trimmingCharacters(in: .whitespaces)
        let spec = addrSpec(text)
        guard let open = text.lastIndex(of: "<") else { return spec }
        var name = text[..<open].trimmingCharacters(in: .whitespaces)
        if name.count >= 2 && name.hasPrefix("\"") && name.hasSuffix("\"") {
            name = String(name.dropFirst().dropLast())
        }
        if name.isEmpty { return "<\(spec)>" }
        if needsEncoding(name) {
            return encodedWords(name).joined(separator: crlf + " ") + " <\(spec)>"
        }
        let atext = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "!#$%&'*+-/=?^_`{|}~ "))
        if name.unicodeScalars.allSatisfy({ atext.contains($0) }) { return "\(name) <\(spec)>" }
        let quoted = name.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(quoted)\" <\(spec)>"
    }

    /// An address-list header (`From`, `To`), one address per line when the whole would exceed 78 characters.
    static func addressField(_ name: String, _ addresses: [String]) -> String {
        let boxes = addresses.map(mailbox)
        let oneLine = name + ": " + boxes.joined(separator: ", ")
        if oneLine.count <= 78 || boxes.count < 2 { return oneLine }
        return name + ": " + boxes.joined(separator: "," + crlf + " ")
    }

    /// The body as UTF-8 in canonical form (CRLF line ends), base64 in lines of 76 characters, each ending
    /// with CRLF.
    static func base64Body(_ text: String) -> String {
        let canonical = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
            .replacingOccurrences(of: "\n", with: crlf)
        let encoded = Data(canonical.utf8).base64EncodedString()
        var lines = ""
        var index = encoded.startIndex
        while index < encoded.endIndex {
            let end = encoded.index(index, offsetBy: 76, limitedBy: encoded.endIndex) ?? encoded.endIndex
            lines += encoded[index..<end] + crlf
            index = end
        }
        return lines
    }

    /// `<id>` from a given id (brackets added when missing) or a new random one in the sender's domain.
    static func messageID(_ given: String?, from: String) -> String {
        if let given = given.map(sanitize)?.trimmingCharacters(in: .whitespaces), !given.isEmpty {
            let bare = given.hasPrefix("<") && given.hasSuffix(">") ? String(given.dropFirst().dropLast()) : given
            return "<\(bare)>"
        }
        let spec = addrSpec(from)
        var domain = spec.split(separator: "@").last.map(String.init) ?? ""
        if !spec.contains("@") || domain.isEmpty { domain = "incident-bridge.invalid" }
        return "<\(UUID().uuidString.lowercased())@\(domain)>"
    }
}
