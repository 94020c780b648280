import BridgeChat
import BridgeCore
import BridgeTesting
import Foundation
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

    @Test func flatTemplatesRenderExactlyAsTheEngineDoes() throws {
        for file in ["Examples/bridge.yaml", "Examples/bridge.en.yaml"] {
            let config = try Fixtures.config(file)
            let r = try MustacheRenderer(config: config, directory: Fixtures.path("Templates"), dialects: ChatPlatforms.dialects)
            #expect(r.flat.count >= 12, "most templates are plain variables: \(r.flat.keys.sorted())")
            #expect(r.flat["declare"] == nil, "sections go to the engine")
            let declared = try declarePost(config)
            var later = declared
            later.incident?.acknowledgedAt = ManualClock.reference.addingTimeInterval(300)
            later.incident?.acknowledgedBy = "takahashi"
            later.incident?.resolvedAt = ManualClock.reference.addingTimeInterval(3600)
            later.incident?.summary = "fixed <b> & done"
            later.actor = "unknown-person"
            later.mentions = ["suzuki", "nobody"]
            var bare = declared
            bare.incident = nil
            for base in [declared, later, bare] {
                for kind in PostKind.allCases {
                    for text in ["note <!channel> & <https://x|y>", nil] {
                        var post = base
                        post.kind = kind
                        post.text = text
                        for platform in ["slack", "mattermost", "teams", "matrix", "console", "webhook"] {
                            let context = PostContext(config: config, dialect: ChatPlatforms.dialects[platform] ?? PlainDialect()).context(post)
                            #expect(
                                r.render(post, for: platform) == r.renderWithEngine(context, post),
                                "\(file) \(kind) \(platform)"
                            )
                        }
                    }
                }
            }
        }
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
