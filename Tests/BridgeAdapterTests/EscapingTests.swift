import BridgeTestSupport
import BridgeCore
import BridgeTesting
import Foundation
import Mustache
import Testing

@testable import BridgeChat
@testable import BridgeOperatingModel
@testable import BridgeServer
@testable import BridgeTemplates

/// Every escaper works on code points (UTF-8 bytes or Unicode scalars), not on graphemes: U+0600 (a "prepend"
/// character) before `<`, a combining mark after `<`, `&`, `"`, `|`, `>`, or a ZWJ sequence around them make one
/// `Character` that is not the markup character, and an escaper comparing `Character`s (or using
/// `replacingOccurrences`, which does the same on Linux) let the markup through.
@Suite struct EscapingTests {
    /// Strings that hide a markup character inside a grapheme.
    static let hostile: [String] = [
        "\u{600}<div style=\"position:fixed;inset:0\">x</div>",
        "<\u{301}div>&\u{301}amp;\"\u{301}'\u{301}>\u{301}",
        "\u{1F469}\u{200D}\u{1F4BB}<b>\u{200D}&\u{200D}\"\u{200D}",
        "a\u{600}&lt;\u{600}\"\u{600}'\u{600}>",
        "\u{1F1EF}\u{1F1F5}<img\u{FE0F}src=x>",
    ]

    /// Nothing live: no `<`, `>`, `"` (nor `'` for attributes) byte, and every `&` starts one of the escaper's
    /// entities. Compared on bytes: `String.hasPrefix` would see `;` and a following mark as one character.
    static func inertHTML(_ s: String, attributes: Bool = true) -> Bool {
        let b = Array(s.utf8)
        for (i, c) in b.enumerated() {
            if c == UInt8(ascii: "<") || c == UInt8(ascii: ">") || c == UInt8(ascii: "\"")
                || (attributes && c == UInt8(ascii: "'"))
            {
                return false
            }
            if c == UInt8(ascii: "&") {
                let rest = Array(b[i...].prefix(6))
                guard ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"].contains(where: { rest.starts(with: $0.utf8) }) else {
                    return false
                }
            }
        }
        return true
    }

    @Test(arguments: hostile) func pagesEscapeEveryMarkupByte(_ text: String) {
        #expect(Self.inertHTML(HTMLText.escape(text)), "\(text.unicodeScalars.map { $0.value })")
    }

    @Test(arguments: hostile) func pagesContentTypeEscapesInsideAGrapheme(_ text: String) throws {
        let template = try MustacheTemplate(string: HTMLText.pragma + "<p>{{v}}</p>")
        let html = template.render(["v": text])
        #expect(html.hasPrefix("<p>") && html.hasSuffix("</p>"))
        #expect(Self.inertHTML(String(html.dropFirst(3).dropLast(4))), "\(html)")
    }

    @Test(arguments: hostile) func matrixHTMLHasNoMarkupFromText(_ text: String) throws {
        let poster = MatrixPoster(homeserver: "http://hs", token: "t", people: [:], transport: RecordingTransport())
        let m = OutboxMessage(
            incidentID: IncidentID("INC-20261126-001"),
            destination: Destination(platform: "matrix", channel: "!r:hs"),
            kind: "note",
            text: text,
            createdAt: Date()
        )
        let html = try #require(poster.content(for: m)["formatted_body"] as? String)
        // Element text only (no attribute takes text), so `'` may stay.
        #expect(Self.inertHTML(html, attributes: false), "\(html.unicodeScalars.map { $0.value })")
    }

    /// The chat dialects that entity-escape (Slack, Mattermost, Teams, webhook) do it on bytes already; kept as a
    /// guard.
    @Test(arguments: ["slack", "mattermost", "teams", "webhook"]) func dialectsEscapeAngleBracketsInAGrapheme(
        _ platform: String
    ) throws {
        let dialect = try #require(ChatPlatforms.dialects[platform])
        for text in Self.hostile + ["\u{600}<!channel>", "<\u{301}@here|x>"] {
            let out = dialect.escape(text)
            #expect(!out.utf8.contains(UInt8(ascii: "<")) && !out.utf8.contains(UInt8(ascii: ">")), "\(platform)")
        }
    }

    @Test func markdownQuoteAndHeadingAreBrokenWhenAMarkFollows() {
        for line in [">\u{301} quoted by the bot?", "#\u{301}", "> \u{301}x", "  >\u{200D}x"] {
            #expect(Markup.breakMarkdown(line).unicodeScalars.first == "\u{200B}", "\(line.unicodeScalars.map { $0.value })")
        }
        let two = Markup.breakMarkdown("x\n>\u{301} fake")
        #expect(two.unicodeScalars.split(separator: "\n").last?.first == "\u{200B}")
        // CR and CRLF end a line too, and a tab may follow a setext underline (both found by `make fuzz`).
        for text in ["x\r# fake heading", "x\r\n> fake quote", "x\n---\t", "x\r===\t ", "- - -"] {
            let lines = Markup.breakMarkdown(text).unicodeScalars.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            #expect(lines.last?.first == "\u{200B}", "\(text.unicodeScalars.map { $0.value })")
        }
        #expect(Markup.breakMarkdown("a\r\nb\rc\n") == "a\r\nb\rc\n", "line endings are kept")
        // Links and images on scalars too (a mark after `]` does not hide it).
        #expect(Markup.breakMarkdown("[\u{600}x](y)").contains("\u{200B}"))
    }

    @Test func schemeLinksAreInertWhenAMarkFollowsTheSlashes() {
        for text in ["https://\u{301}evil.example/login", "x\u{600}https://evil.example", "ftp:/\u{200D}/x https://y"] {
            let out = OneLine.inertURLs(text)
            #expect(!Fixtures.bytes(out, contain: "://"), "\(text.unicodeScalars.map { $0.value })")
        }
    }

    @Test func csvQuotesAreDoubledWhenAMarkFollows() throws {
        let exporter = TimelineExporter(config: try Fixtures.config("Examples/bridge.en.yaml"))
        let e = TimelineEntry(
            incidentID: IncidentID("INC-20261126-001"),
            at: Date(timeIntervalSince1970: 0),
            actor: "x",
            kind: .note,
            text: "a\"\u{301},=HYPERLINK(\"\u{600}http://evil\")"
        )
        let row = exporter.csvRow(e, escape: { $0 })
        let text = String(row.split(separator: ",", maxSplits: 3)[3])
        // A quoted field: every quote inside doubled, so a CSV reader sees one cell.
        #expect(text.hasPrefix("\"") && text.hasSuffix("\""))
        let inner = Array(text.utf8.dropFirst().dropLast())
        var i = 0
        var lone = 0
        while i < inner.count {
            if inner[i] == UInt8(ascii: "\"") {
                if i + 1 < inner.count && inner[i + 1] == UInt8(ascii: "\"") { i += 2; continue }
                lone += 1
            }
            i += 1
        }
        #expect(lone == 0, "\(row)")
    }

    @Test func markdownPipesAreEscapedWhenAMarkFollows() throws {
        let exporter = TimelineExporter(config: try Fixtures.config("Examples/bridge.en.yaml"))
        let e = TimelineEntry(
            incidentID: IncidentID("INC-20261126-001"),
            at: Date(timeIntervalSince1970: 0),
            actor: "x",
            kind: .note,
            text: "a |\u{301} fake cell \u{600}| b"
        )
        let row = exporter.markdownRow(e, escape: { $0 })
        // The row has exactly its five cell separators; every other pipe is `\|`.
        let bytes = Array(row.utf8)
        let bare = bytes.indices.filter { bytes[$0] == UInt8(ascii: "|") && ($0 == 0 || bytes[$0 - 1] != UInt8(ascii: "\\")) }
        #expect(bare.count == 5, "\(row)")
    }

    @Test func iCalendarTextEscapesWhenAMarkFollows() {
        let out = OnCallCalendar.text("a,\u{301}b;\u{301}c\\\u{301}")
        #expect(Fixtures.bytes(out, contain: "\\,\u{301}") && Fixtures.bytes(out, contain: "\\;\u{301}"))
        #expect(Fixtures.bytes(out, contain: "\\\\\u{301}"))
    }

    /// JSONText already works on scalars; kept as a guard: what it writes decodes to the same text.
    @Test(arguments: hostile + ["\"\u{301}\\\u{301}\u{1}\u{600}\"", "\u{2028}\n\u{301}"]) func jsonTextRoundTrips(
        _ text: String
    ) throws {
        let quoted = JSONText.quote(text)
        let back = try JSONDecoder().decode(String.self, from: Data(quoted.utf8))
        #expect(Array(back.unicodeScalars) == Array(text.unicodeScalars))
    }

}
