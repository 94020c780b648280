import Foundation

/// Makes markdown-ish markup in text from a person or an alert inert, without showing escape characters:
/// a zero-width space (U+200B) is put where the platform's parser needs two characters side by side. Used by
/// the Mattermost, webhook, Teams and Matrix dialects; the bot's own mentions and links are not passed through.
public enum Markup {
    static let zwsp: Unicode.Scalar = "\u{200B}"

    /// `@channel`, `@all`, `@here`, `@room` and `@someone` stop being mentions: a zero-width space after `@`
    /// when a name character follows.
    public static func breakMentions(_ s: String) -> String {
        guard s.utf8.contains(UInt8(ascii: "@")) else { return s }
        var out = String.UnicodeScalarView()
        let scalars = Array(s.unicodeScalars)
        for (i, u) in scalars.enumerated() {
            out.append(u)
            if u == "@", i + 1 < scalars.count, isNameStart(scalars[i + 1]) { out.append(zwsp) }
        }
        return String(out)
    }

    /// Links and images stop forming: `[x](url)` -> `[x]\u200B(url)`, `![t](u)` -> `!\u200B[t]...`, and a line
    /// that starts with `#` (heading), `>` (quote) or is only `=`/`-` (setext heading) gets a zero-width space
    /// first. The start of `s` counts as a line start (a field may be placed at one).
    public static func breakMarkdown(_ s: String) -> String {
        guard
            s.utf8.contains(where: {
                $0 == UInt8(ascii: "]") || $0 == UInt8(ascii: "!") || $0 == UInt8(ascii: "#")
                    || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ">")
            })
        else { return s }
        var lines: [String] = []
        // Split and compared by scalar: `>` followed by a combining mark is one `Character` that is not `>`, yet a
        // markdown parser reads a quote; `\r\n` is one `Character` that is not `\n`.
        for line in s.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            var out = String.UnicodeScalarView()
            let scalars = Array(line)
            let trimmed = scalars.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.first == "#" || trimmed.first == ">"
                || (!trimmed.isEmpty && trimmed.allSatisfy { $0 == "=" || $0 == "-" || $0 == " " })
            {
                out.append(zwsp)
            }
            for (i, u) in scalars.enumerated() {
                out.append(u)
                let next = i + 1 < scalars.count ? scalars[i + 1] : nil
                if (u == "]" && next == "(") || (u == "!" && next == "[") || (u == "]" && next == "[") {
                    out.append(zwsp)
                }
            }
            lines.append(String(out))
        }
        return lines.joined(separator: "\n")
    }

    static func isNameStart(_ u: Unicode.Scalar) -> Bool {
        u.properties.isAlphabetic || ("0"..."9").contains(u) || u == "_" || u == "." || u == "-"
    }
}
