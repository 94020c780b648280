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
    /// that starts with `#` (heading), `>` (quote) or is only `=`/`-` with spaces or tabs (setext heading, thematic
    /// break) gets a zero-width space first. The start of `s` counts as a line start (a field may be placed at one);
    /// CR, LF and CRLF end a line, as in CommonMark.
    public static func breakMarkdown(_ s: String) -> String {
        guard
            s.utf8.contains(where: {
                $0 == UInt8(ascii: "]") || $0 == UInt8(ascii: "!") || $0 == UInt8(ascii: "#")
                    || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ">")
            })
        else { return s }
        // On scalars: `>` followed by a combining mark is one `Character` that is not `>`, yet a markdown parser
        // reads a quote; `\r\n` is one `Character` that is neither `\r` nor `\n`.
        let scalars = Array(s.unicodeScalars)
        var out = String.UnicodeScalarView()
        var start = 0
        while start <= scalars.count {
            var end = start
            while end < scalars.count && scalars[end] != "\n" && scalars[end] != "\r" { end += 1 }
            let line = scalars[start..<end]
            let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
            if trimmed.first == "#" || trimmed.first == ">"
                || (!trimmed.isEmpty && trimmed.allSatisfy { $0 == "=" || $0 == "-" || $0 == " " || $0 == "\t" })
            {
                out.append(zwsp)
            }
            for i in line.indices {
                let u = scalars[i]
                out.append(u)
                let next = i + 1 < end ? scalars[i + 1] : nil
                if (u == "]" && next == "(") || (u == "!" && next == "[") || (u == "]" && next == "[") {
                    out.append(zwsp)
                }
            }
            if end < scalars.count { out.append(scalars[end]) }
            start = end + 1
        }
        return String(out)
    }

    static func isNameStart(_ u: Unicode.Scalar) -> Bool {
        u.properties.isAlphabetic || ("0"..."9").contains(u) || u == "_" || u == "." || u == "-"
    }
}
