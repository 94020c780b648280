import BridgeChat
import BridgeConfig
import BridgeCore
import BridgeTemplates
import Foundation
import FuzzSupport
import Mustache

// Every escaper, with the property that nothing live comes out of it, judged code point by code point (as a
// browser's or a markdown parser's tokenizer reads text, not by grapheme):
// - each platform dialect (`ChatPlatforms.dialects`) alone, and as posts use it (`MustacheRenderer.escape`: one
//   line, no `scheme://` or `www.` left linkable): Slack mrkdwn has no raw `<`/`>` and `&` only in `&amp;`,
//   `&lt;`, `&gt;`; Mattermost, Teams and the webhook have no raw `<`/`>`, no mention (`@` before a name
//   character), no link or image (`](`, `![`, `][`) and no line that reads as a heading or setext underline;
//   Matrix's body has no mention;
// - Matrix's HTML (`MatrixPoster.content`'s `formatted_body`) and the pages' HTML (`HTMLText`, alone and as the
//   templates' content type): no `<`, `>`, `"` (and for pages `'`) and `&` only as the start of an entity.

let renderer: MustacheRenderer = {
    do {
        let config = try ConfigLoader.load(path: Fuzz.root + "/Examples/bridge.yaml")
        return try MustacheRenderer(
            config: config,
            directory: Fuzz.root + "/Templates",
            dialects: ChatPlatforms.dialects
        )
    } catch {
        fatalError("fuzz-escapers needs Examples/bridge.yaml and Templates/ (run from the package root): \(error)")
    }
}()
let matrixPoster = MatrixPoster(homeserver: "https://matrix.invalid", token: "t", people: [:], transport: NoTransport())
/// A value as `IncidentPages` renders every `{{field}}` (the `HTMLText` content type).
let page = try! MustacheTemplate(string: HTMLText.pragma + "{{value}}")

struct NoTransport: HTTPTransport {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse { HTTPResponse(status: 500) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEscapers(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = Fuzz.text(bytes, size)
    for (platform, dialect) in ChatPlatforms.dialects {
        let raw = dialect.escape(input)
        check(raw, platform: platform, input: input, path: "\(platform) dialect")
        let post = renderer.escape(input, for: platform)
        check(post, platform: platform, input: input, path: "renderer.escape(for: \(platform))")
        Properties.oneLine(post, input: input, path: "renderer.escape(for: \(platform))")
        // A bare `www.` address is linked (issue 24 #7): GitHub-flavoured markdown (Mattermost) links `www.`
        // followed by a domain segment (letters, digits, `-`), with no top-level domain needed.
        // GitHub-flavoured markdown (Mattermost) links `www.` followed by any domain segment, also after `_`
        // (found by this target: one-letter or digit last labels, empty labels, `x_www.`; fixed in 7eeaa74).
        if !Properties.liveWWW(post).isEmpty {
            Properties.fail("a live www. address", post, input, "renderer.escape(for: \(platform))")
        }
    }
    let content = matrixPoster.content(
        for: OutboxMessage(
            incidentID: nil,
            destination: Destination(platform: "matrix", channel: "!r:x"),
            kind: "info",
            text: MatrixDialect().escape(input),
            createdAt: Date(timeIntervalSince1970: 0)
        )
    )
    let html = Properties.removing("<br/>", from: content["formatted_body"] as? String ?? "")
    Properties.html(html, input: input, path: "Matrix formatted_body", quotes: "\"")
    Properties.noMentions(content["body"] as? String ?? "", input: input, path: "Matrix body")
    // The pages: `HTMLText.escape`, alone and as the content type their templates use.
    Properties.html(HTMLText.escape(input), input: input, path: "HTMLText.escape", quotes: "\"'")
    Properties.html(page.render(["value": input]), input: input, path: "pages {{value}}", quotes: "\"'")
    return 0
}

func check(_ out: String, platform: String, input: String, path: String) {
    switch platform {
    case "slack":
        Properties.slack(out, input: input, path: path)
    case "matrix":
        Properties.noMentions(out, input: input, path: path)
    case "console":
        break  // a terminal shows text as typed (no markup); control characters are dropped on the way in (OneLine)
    default:  // mattermost, teams, webhook: markdown with entities
        Properties.noAngles(out, input: input, path: path)
        Properties.noMentions(out, input: input, path: path)
        Properties.noMarkdownLinks(out, input: input, path: path)
        Properties.noLineMarkup(out, input: input, path: path)
    }
}

/// The properties, on code points.
enum Properties {
    static let zwsp: Unicode.Scalar = "\u{200B}"

    static func fail(_ what: String, _ out: String, _ input: String, _ path: String) -> Never {
        fatalError("property violated: \(path): \(what)\n input:  \(Fuzz.show(input))\n output: \(Fuzz.show(out))")
    }

    /// No raw `<` or `>`, and `&` only in `&amp;`, `&lt;`, `&gt;` (Slack's three entities).
    /// `s` without `piece`, matched on code points (the poster's own `<br/>` may be followed by a combining mark).
    static func removing(_ piece: String, from s: String) -> String {
        let p = Array(piece.unicodeScalars)
        var scalars = Array(s.unicodeScalars)[...]
        var out = String.UnicodeScalarView()
        while let first = scalars.first {
            if scalars.starts(with: p) {
                scalars = scalars.dropFirst(p.count)
            } else {
                out.append(first)
                scalars = scalars.dropFirst()
            }
        }
        return String(out)
    }

    /// Each `www.` (any case) that starts a word (GFM: at the start, after white space or `*`, `_`, `~`, `(`) and
    /// is directly followed by an ASCII letter, digit or `-`: whether the run of host characters and dots after it
    /// ends in a label of two letters or more, whether `_` stands before it and whether a label is empty.
    static func liveWWW(_ s: String) -> [(letterTLD: Bool, afterUnderscore: Bool, emptyLabel: Bool)] {
        let u = Array(s.unicodeScalars)
        func host(_ c: Unicode.Scalar) -> Bool {
            ("0"..."9").contains(c) || ("a"..."z").contains(c) || ("A"..."Z").contains(c) || c == "-"
        }
        return u.indices.dropLast(4).compactMap { i in
            guard i == 0 || u[i - 1].properties.isWhitespace || "*_~(".unicodeScalars.contains(u[i - 1]),
                u[i..<i + 4].map({ $0 == "W" ? "w" : $0 }).elementsEqual("www.".unicodeScalars), host(u[i + 4])
            else { return nil }
            var end = i + 4
            func inRun(_ c: Unicode.Scalar) -> Bool {
                host(c) || c == "." || c == "_" || c.properties.isAlphabetic || c.properties.numericType != nil
            }
            while end < u.count && inRun(u[end]) { end += 1 }
            while end > i + 4 && u[end - 1] == "." { end -= 1 }
            let labels = u[(i + 4)..<end].split(separator: ".", omittingEmptySubsequences: false)
            let last = labels.last ?? []
            let letters = last.count >= 2 && last.allSatisfy { $0.properties.isAlphabetic }
            return (letters, i > 0 && u[i - 1] == "_", labels.contains { $0.isEmpty })
        }
    }

    static func slack(_ out: String, input: String, path: String) {
        noAngles(out, input: input, path: path)
        let s = Array(out.unicodeScalars)
        let entities = ["&amp;", "&lt;", "&gt;"].map { Array($0.unicodeScalars) }
        for i in s.indices where s[i] == "&" {
            guard entities.contains(where: { s[i...].starts(with: $0) }) else {
                fail("a raw & at \(i)", out, input, path)
            }
        }
    }

    static func noAngles(_ out: String, input: String, path: String) {
        if out.unicodeScalars.contains(where: { $0 == "<" || $0 == ">" }) { fail("a raw < or >", out, input, path) }
    }

    /// `@` directly before a name character (`@channel`, `@here`, `@room`, `@all`, `@someone`).
    static func noMentions(_ out: String, input: String, path: String) {
        let s = Array(out.unicodeScalars)
        for i in s.indices.dropLast() where s[i] == "@" && isNameStart(s[i + 1]) {
            fail("a live mention at \(i)", out, input, path)
        }
    }

    static func isNameStart(_ u: Unicode.Scalar) -> Bool {
        u.properties.isAlphabetic || ("0"..."9").contains(u) || u == "_" || u == "." || u == "-"
    }

    /// `[text](url)`, `![alt](url)`, `[text][ref]`.
    static func noMarkdownLinks(_ out: String, input: String, path: String) {
        let s = Array(out.unicodeScalars)
        for i in s.indices.dropLast() {
            let pair = (s[i], s[i + 1])
            if pair == ("]", "(") || pair == ("!", "[") || pair == ("]", "[") {
                fail("a markdown link or image at \(i)", out, input, path)
            }
        }
    }

    /// A line (CR, LF or CRLF ends one, as in CommonMark) that is an ATX heading (`#`..`######` then a space, a
    /// tab or the end) or a setext underline (only `=` or only `-`, then spaces or tabs) must start with U+200B.
    static func noLineMarkup(_ out: String, input: String, path: String) {
        var line: [Unicode.Scalar] = []
        func judge() {
            guard line.first != zwsp else { return }
            let t = Array(line.drop { $0 == " " || $0 == "\t" })
            let hashes = t.prefix { $0 == "#" }.count
            if (1...6).contains(hashes), hashes == t.count || t[hashes] == " " || t[hashes] == "\t" {
                fail("a line that is a heading", out, input, path)
            }
            if let c = t.first, c == "=" || c == "-" {
                let run = t.prefix { $0 == c }.count
                if t.dropFirst(run).allSatisfy({ $0 == " " || $0 == "\t" }) {
                    fail("a line that is a setext underline", out, input, path)
                }
            }
        }
        for u in out.unicodeScalars {
            if u == "\n" || u == "\r" {
                judge()
                line = []
            } else {
                line.append(u)
            }
        }
        judge()
    }

    /// Posts' fields are one line, without controls or bidi overrides, and carry no `scheme://` link.
    static func oneLine(_ out: String, input: String, path: String) {
        for u in out.unicodeScalars {
            let v = u.value
            if v == 0x0A || v == 0x0D || v == 0x0B || v == 0x0C || v == 0x85 || v == 0x2028 || v == 0x2029 {
                fail("a line break", out, input, path)
            }
            if (v < 0x20 && v != 0x09) || v == 0x7F || (0x80...0x9F).contains(v) || (0x202A...0x202E).contains(v)
                || (0x2066...0x2069).contains(v)
            {
                fail("a control or bidi override U+\(String(v, radix: 16))", out, input, path)
            }
        }
        let scalars = Array(out.unicodeScalars)
        for i in scalars.indices.dropLast(2) where scalars[i] == ":" && scalars[i + 1] == "/" && scalars[i + 2] == "/" {
            fail("a live scheme:// URL", out, input, path)
        }
    }

    /// HTML text and double-quoted attribute values: no `<`, `>` or the quotes given, and `&` only as an entity
    /// (`&name;`, `&#123;`, `&#x1F;`).
    static func html(_ out: String, input: String, path: String, quotes: String) {
        let s = Array(out.unicodeScalars)
        for (i, u) in s.enumerated() {
            if u == "<" || u == ">" || quotes.unicodeScalars.contains(u) {
                fail("a raw \(u) at \(i)", out, input, path)
            }
            if u == "&" && !isEntity(s[(i + 1)...]) { fail("a raw & at \(i)", out, input, path) }
        }
    }

    static func isEntity(_ rest: ArraySlice<Unicode.Scalar>) -> Bool {
        var body = rest.prefix(12)
        guard let semicolon = body.firstIndex(of: ";") else { return false }
        body = body[..<semicolon]
        if body.first == "#" {
            let digits = body.dropFirst()
            if digits.first == "x" || digits.first == "X" {
                return digits.count > 1 && digits.dropFirst().allSatisfy { $0.properties.isASCIIHexDigit }
            }
            return !digits.isEmpty && digits.allSatisfy { ("0"..."9").contains($0) }
        }
        return !body.isEmpty && body.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) }
    }
}
