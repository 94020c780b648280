import BridgeTestSupport
import BridgeChat
import BridgeCore
import BridgeTesting
import Foundation
import Mustache
import Testing

@testable import BridgeTemplates
import BridgePaging
import BridgeOperatingModel
import BridgeAlerts

@Suite struct TemplateTests {
    func declarePost(_ config: BridgeConfiguration) throws -> Post {
        let fx = try IncidentLifecycle(config: config).declare(
            id: IncidentID("INC-20261126-001"),
            eventType: "db-outage",
            severity: "sev1",
            title: "Order DB <!channel> & down",
            actor: "suzuki",
            at: ManualClock.reference,
            origin: .console
        ).get()
        return fx.posts[0]
    }

    @Test func tidyDropsBlankLinesAndTrailingSpaceOnOneLineAsOnMany() {
        #expect(MustacheRenderer.tidy("a b  \r") == "a b")
        #expect(MustacheRenderer.tidy(" \t\u{3000} ") == "", "a line of spaces only (U+3000 too) is dropped")
        #expect(MustacheRenderer.tidy("") == "")
        #expect(MustacheRenderer.tidy("注文DB ") == "注文DB")
        #expect(MustacheRenderer.tidy("a \n \u{3000}\n\nb \n c") == "a\nb\n c")
    }

    /// Replies go through the engine like posts (one renderer): every one renders in both locales, its fields filled.
    @Test func everyReplyRendersInBothLocales() throws {
        for file in ["Examples/bridge.yaml", "Examples/bridge.en.yaml"] {
            let config = try Fixtures.config(file)
            let r = try MustacheRenderer(config: config, directory: Fixtures.path("Templates"), dialects: ChatPlatforms.dialects)
            for kind in ReplyKind.allCases {
                let fields = ["id": "INC-20261126-001", "title": "Order DB <!channel>", "minutes": "5", "reason": "r"]
                let text = r.reply(kind, fields: fields, for: "slack")
                #expect(text != kind.rawValue, "\(file) \(kind): the engine did not render the reply")
                #expect(!text.contains("{{") && !text.isEmpty, "\(file) \(kind)")
                #expect(!text.contains("<!channel>"), "\(file) \(kind): fields are escaped for the platform")
            }
        }
    }

    /// One loader for posts, replies, pages and the other files of the folder: a missing file names itself and the
    /// variable to set, a broken one says it does not parse.
    @Test func theLoaderNamesAMissingOrBrokenFile() throws {
        let dir = Fixtures.tempDir()
        try FileManager.default.createDirectory(atPath: dir + "/html", withIntermediateDirectories: true)
        try "{{#open}}unclosed".write(toFile: dir + "/html/broken.mustache", atomically: true, encoding: .utf8)
        try "<p>{{x}}</p>\n".write(toFile: dir + "/html/fine.mustache", atomically: true, encoding: .utf8)
        let loader = TemplateLoader(root: dir)
        #expect(throws: TemplateError.self) { try loader.text("en/declare.mustache") }
        do {
            _ = try loader.mustache("html", names: ["missing"], pragma: "")
            Issue.record("a missing template was read")
        } catch {
            #expect(error.message.hasPrefix("missing template \(dir)/html/missing.mustache"))
            #expect(error.message.contains("INCIDENT_BRIDGE_TEMPLATES"))
        }
        do {
            _ = try loader.mustache("html", names: ["broken"], pragma: "")
            Issue.record("a broken template was read")
        } catch {
            #expect(error.message.hasPrefix("template \(dir)/html/broken.mustache does not parse"))
        }
        let fine = try loader.mustache("html", names: ["fine"], pragma: HTMLText.pragma, prefix: "p/")
        #expect(MustacheLibrary(templates: fine).render(["x": "<&>"], withTemplate: "p/fine") == "<p>&lt;&amp;&gt;</p>\n")
    }

    @Test func everyTemplateRendersInBothLocales() throws {
        for file in ["Examples/bridge.yaml", "Examples/bridge.en.yaml"] {
            let config = try Fixtures.config(file)
            let r = try MustacheRenderer(config: config, directory: Fixtures.path("Templates"), dialects: ChatPlatforms.dialects)
            var post = try declarePost(config)
            let context = PostContext(config: config, dialect: PlainDialect())
            for kind in PostKind.allCases {
                post.kind = kind
                post.text = "text"
                // The engine itself must render it (render() falls back to the raw text when it cannot).
                let engine = r.library.render(context.context(post), withTemplate: kind.rawValue)
                let text = try #require(engine, "\(file) \(kind): the engine did not render the template")
                #expect(!text.contains("{{") && !text.isEmpty, "\(file) \(kind)")
                let template = try String(
                    contentsOfFile: Fixtures.path("Templates/\(config.locale.rawValue)/\(kind.rawValue).mustache"),
                    encoding: .utf8
                )
                if template.contains("{{id}}") { #expect(text.contains("INC-20261126-001"), "\(file) \(kind)") }
            }
        }
    }

    @Test func declareTemplateEnglish() throws {
        let config = try Fixtures.config("Examples/bridge.en.yaml")
        let r = try MustacheRenderer(config: config, directory: Fixtures.path("Templates"), dialects: ChatPlatforms.dialects)
        let text = r.render(try declarePost(config), for: "console")
        let a = try #require(config.people["sato"]?.name)
        #expect(text.contains("INC-20261126-001"))
        #expect(text.contains("A (accountable): @\(a)"))
        #expect(text.contains(config.bridge.phone))
        #expect(text.contains("Runbooks/db-outage.md"))
        #expect(text.contains("Declared: 2026-11-26 10:00"))
        #expect(text.contains("First response due: 2026-11-26 10:30"))
        #expect(text.contains("restore due: 2026-11-26 14:00"))
    }

    @Test func declareTemplateJapanese() throws {
        let config = try Fixtures.config()
        let r = try MustacheRenderer(config: config, directory: Fixtures.path("Templates"), dialects: ChatPlatforms.dialects)
        let text = r.render(try declarePost(config), for: "console")
        #expect(text.contains("【重大障害宣言】INC-20261126-001"))
        #expect(text.contains("A（説明責任者）: @佐藤 健"))
        #expect(text.contains("初動期限: 2026-11-26 10:30"))
        #expect(!text.contains("メンテナンス"))
    }

    @Test func slackMentionsAndEscaping() throws {
        var config = try Fixtures.config("Examples/bridge.en.yaml")
        config.runbooks.baseURL = "https://git.example.com/ops/runbooks/"
        let r = try MustacheRenderer(config: config, directory: Fixtures.path("Templates"), dialects: ChatPlatforms.dialects)
        let text = r.render(try declarePost(config), for: "slack")
        #expect(text.contains("<@U01SATO0001>"))
        #expect(text.contains("Order DB &lt;!channel&gt; &amp; down"))
        #expect(!text.contains("<!channel>"))
        #expect(text.contains("https://git.example.com/ops/runbooks/db-outage.md"))
        #expect(r.render(try declarePost(config), for: "teams").contains("<at>Sato Ken</at>"))
    }

    @Test func missingTemplateIsAnError() throws {
        let config = try Fixtures.config()
        #expect(throws: TemplateError.self) { try MustacheRenderer(config: config, directory: Fixtures.tempDir(), dialects: [:]) }
    }
}
