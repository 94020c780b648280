import BridgeTestSupport
import BridgeCore
import BridgeTesting
import Foundation
import Testing

@testable import BridgeChat
@testable import BridgeTemplates

/// Finding 6 of issue 24: a long title (a stack trace as an alert summary) is cut, never the template's own lines.
/// The declare post goes through the renderer and the platform's poster to a recording transport; what reached the
/// far side must still show the bridge line, the R/A mentions and the deadlines.
@Suite struct LongPostTests {
    static let platforms = ["slack", "mattermost", "teams", "matrix", "webhook", "console"]

    /// A Java stack trace of `length` scalars.
    static func trace(_ length: Int) -> String {
        var s = "java.lang.IllegalStateException: connection pool exhausted (orders-db, 200/200 in use)"
        var line = 0
        while s.utf8.count < length {
            line += 1
            s += "\n\tat com.example.orders.db.Pool.acquire(Pool.java:\(line))"
        }
        return String(String.UnicodeScalarView(s.unicodeScalars.prefix(length)))
    }

    /// One grapheme of `length` scalars: a letter and its combining marks.
    static func zalgo(_ length: Int) -> String { "Z" + String(repeating: "\u{301}", count: length - 1) }

    static func declare(_ config: BridgeConfiguration, title: String, alert: String?) throws -> Post {
        let fx = try IncidentLifecycle(config: config).declare(
            id: IncidentID("INC-20261126-001"),
            eventType: "db-outage",
            severity: "sev1",
            title: title,
            actor: "suzuki",
            at: ManualClock.reference,
            origin: .console
        ).get()
        var post = fx.posts[0]
        if let alert { post.fields["alert_summary"] = alert }
        return post
    }

    /// The template's fixed lines of a declare post on `platform`, from one with a short title.
    static func fixedLines(_ r: MustacheRenderer, _ config: BridgeConfiguration, _ platform: String) throws -> [String] {
        let short = r.render(try declare(config, title: "Orders DB down", alert: nil), for: platform)
        let prefixes = ["Bridge:", "R (responsible):", "A (accountable):", "First response due:", "Next status update:"]
        let lines = short.split(separator: "\n").map(String.init).filter { l in prefixes.contains { l.hasPrefix($0) } }
        #expect(lines.count == prefixes.count, "\(short)")
        return lines
    }

    static func json(_ r: HTTPRequest) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: r.body) as? [String: Any])
    }

    /// What the platform shows of a post (the visible block of a Slack declare post): delivered through the poster,
    /// read back from the request.
    static func visible(_ platform: String, _ text: String, _ post: Post) async throws -> String {
        let t = RecordingTransport { _ in HTTPResponse(status: 200, body: Data(#"{"ok":true,"id":"x"}"#.utf8)) }
        var m = OutboxMessage(
            incidentID: post.incident?.id,
            destination: Destination(platform: platform, channel: "c"),
            kind: post.kind.rawValue,
            text: text,
            mentions: post.mentions,
            createdAt: Date()
        )
        m.id = 7
        switch platform {
        case "slack":
            let words = try Fixtures.words()
            try await SlackPoster(apiBase: "http://slack", token: "t", transport: t, words: words, locale: .en).deliver(m)
            guard post.kind == .declare else { return try #require(try json(t.requests[0])["text"] as? String) }
            let blocks = try #require(try json(t.requests[0])["blocks"] as? [[String: Any]])
            let section = try #require(blocks.first?["text"] as? [String: Any])
            let shown = try #require(section["text"] as? String)
            #expect(shown.unicodeScalars.count <= 3_000, "a section block over 3,000 characters is refused")
            return shown
        case "mattermost":
            try await MattermostPoster(
                serverURL: "http://mm",
                botToken: "t",
                webhookURL: nil,
                actionsURL: nil,
                actionKey: nil,
                transport: t,
                words: try Fixtures.words(),
                locale: .en
            ).deliver(m)
            let shown = try #require(try json(t.requests[0])["message"] as? String)
            #expect(shown.unicodeScalars.count <= 16_383)
            return shown
        case "teams":
            try await TeamsPoster(workflowURL: "http://teams", transport: t, publicURL: nil).deliver(m)
            #expect(t.requests[0].body.count < 28_000)
            let attachments = try #require(try json(t.requests[0])["attachments"] as? [[String: Any]])
            let card = try #require(attachments.first?["content"] as? [String: Any])
            let body = try #require(card["body"] as? [[String: Any]])
            return body.compactMap { $0["text"] as? String }.joined(separator: "\n")
        case "matrix":
            try await MatrixPoster(homeserver: "http://hs", token: "t", people: [:], transport: t).deliver(m)
            #expect(t.requests[0].body.count < 65_536, "a Matrix event is at most 64 KiB")
            return try #require(try json(t.requests[0])["body"] as? String)
        case "webhook":
            try await WebhookPoster(url: "http://hook", transport: t).deliver(m)
            let shown = try #require(try json(t.requests[0])["text"] as? String)
            #expect(shown.unicodeScalars.count <= 16_383, "a Mattermost incoming webhook refuses longer posts")
            return shown
        default:
            return text  // the console prints the text as it is
        }
    }

    @Test(arguments: platforms, [3_000, 100_000])
    func aLongTitleKeepsTheBridgeLineRAndDeadlines(platform: String, length: Int) async throws {
        let config = try Fixtures.config("Examples/bridge.en.yaml")
        let r = try MustacheRenderer(
            config: config,
            directory: Fixtures.path("Templates"),
            dialects: ChatPlatforms.dialects
        )
        let fixed = try Self.fixedLines(r, config, platform)
        for (title, alert) in [(Self.trace(length), Self.trace(length)), (Self.zalgo(length), nil)] {
            let post = try Self.declare(config, title: title, alert: alert)
            let shown = try await Self.visible(platform, r.render(post, for: platform), post)
            for line in fixed {
                #expect(shown.contains(line), "\(platform) \(length): \(line) missing")
            }
            if title.hasPrefix("java") {
                #expect(shown.contains("java.lang.IllegalStateException: connection pool exhausted"), "the title's head")
            }
        }
    }

    /// Short posts are not touched: the renderer cuts only when the platform would not show the post whole.
    @Test(arguments: platforms) func aShortTitleIsNotCut(platform: String) throws {
        let config = try Fixtures.config("Examples/bridge.en.yaml")
        let r = try MustacheRenderer(config: config, directory: Fixtures.path("Templates"), dialects: ChatPlatforms.dialects)
        let post = try Self.declare(config, title: Self.trace(600), alert: nil)
        let context = PostContext(config: config, dialect: ChatPlatforms.dialects[platform] ?? PlainDialect())
        #expect(r.render(post, for: platform) == r.renderWithEngine(context.context(post), post))
        #expect(!r.render(post, for: platform).contains("…"))
    }
}
