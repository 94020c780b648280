import BridgeTestSupport
import BridgeConfig
import BridgeChat
import BridgeCore
import BridgePaging
import BridgeServer
import BridgeTemplates
import BridgeTesting
import Foundation
import Logging
import Testing

/// The words users see live in `Templates/<locale>/words.yaml`: both shipped catalogues are complete, every
/// placeholder a word expects is there, and a broken catalogue stops the start.
@Suite struct WordCatalogueTests {
    @Test func bothShippedCataloguesAreCompleteWithTheirPlaceholders() throws {
        for locale in BridgeConfiguration.Locale.allCases {
            let file = Fixtures.path("Templates/\(locale.rawValue)/\(WordCatalogue.fileName)")
            let entries = try WordCatalogue.parse(try String(contentsOfFile: file, encoding: .utf8), file: file)
            #expect(Set(entries.keys) == Set(Word.allCases.map(\.rawValue)), "\(locale)")
            for word in Word.allCases {
                let text = try #require(entries[word.rawValue], "\(locale): \(word.rawValue)")
                #expect(try Words.placeholders(in: text).get() == word.placeholders, "\(locale): \(word.rawValue)")
            }
        }
        let words = try Fixtures.words()
        #expect(words.text(.refusedClosed, ["id": "INC-1"], in: .en) == "INC-1 is closed; nothing can change it")
        #expect(words.text(.refusedClosed, ["id": "INC-1"], in: .ja) == "INC-1 はクローズ済みのため変更できません")
    }

    @Test func aMissingUnknownOrBrokenWordIsRefusedAtStart() throws {
        let dir = Fixtures.tempDir()
        for locale in BridgeConfiguration.Locale.allCases {
            try FileManager.default.createDirectory(atPath: dir + "/\(locale.rawValue)", withIntermediateDirectories: true)
        }
        let en = try String(contentsOfFile: Fixtures.path("Templates/en/words.yaml"), encoding: .utf8)
        let ja = try String(contentsOfFile: Fixtures.path("Templates/ja/words.yaml"), encoding: .utf8)
        func load(_ enText: String, _ jaText: String = ja) throws -> String? {
            try enText.write(toFile: dir + "/en/words.yaml", atomically: true, encoding: .utf8)
            try jaText.write(toFile: dir + "/ja/words.yaml", atomically: true, encoding: .utf8)
            do {
                _ = try WordCatalogue.load(directory: dir)
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(try load(en) == nil)
        let missing = try #require(try load(en.replacingOccurrences(of: "timeline.closed: \"closed\"\n", with: "")))
        #expect(missing.contains("en: missing id timeline.closed"), "\(missing)")
        let unknown = try #require(try load(en + "timeline.reopened: \"reopened\"\n"))
        #expect(unknown.contains("en: unknown id timeline.reopened"), "\(unknown)")
        let renamed = try #require(
            try load(en, ja.replacingOccurrences(of: "{{id}} は存在しません", with: "{{incident}} は存在しません"))
        )
        #expect(renamed.contains("ja: service.no_incident: placeholders {{incident}}, expected {{id}}"), "\(renamed)")
        let unclosed = try #require(try load(en.replacingOccurrences(of: "No incident {{id}}", with: "No incident {{id")))
        #expect(unclosed.contains("service.no_incident: unclosed {{"), "\(unclosed)")
        let unquoted = try #require(try load(en.replacingOccurrences(of: "timeline.closed: \"closed\"", with: "timeline.closed: closed")))
        #expect(unquoted.contains("words.yaml:"), "\(unquoted)")
        try FileManager.default.removeItem(atPath: dir + "/ja/words.yaml")
        #expect(throws: TemplateError.self) { try WordCatalogue.load(directory: dir) }
    }

    /// Lifecycle entries were English whatever the locale; now every entry is in the config's language.
    @Test func lifecycleEntriesAreInTheConfigsLanguage() throws {
        let config = try Fixtures.config()
        #expect(config.locale == .ja)
        let lifecycle = IncidentLifecycle(config: config)
        let t0 = Date(timeIntervalSince1970: 1_764_000_000)
        let fx = try lifecycle.declare(
            id: IncidentID("INC-20261126-001"), eventType: "db-outage", severity: "sev1", title: "注文DB停止",
            actor: "suzuki", at: t0, origin: .console
        ).get()
        let acked = try lifecycle.apply(.acknowledge, to: fx.incident, actor: "suzuki", at: t0).get()
        #expect(acked.timeline.map(\.text) == ["了解"])
        #expect(fx.timeline.first?.text.contains("（R: ") == true, "\(fx.timeline.map(\.text))")
    }

    /// Delivery entries were English whatever the locale ("trigger via pagerduty (queued)"); a page queued under
    /// a `locale: ja` config is now recorded in Japanese, and the English one keeps its bytes.
    @Test func aQueuedPageIsRecordedInTheConfigsLanguage() throws {
        func queued(_ file: String) throws -> [String] {
            var config = try Fixtures.config(file)
            config.paging.channels["pagerduty"] = ["api_base": "http://pd.invalid"]
            let t0 = Date(timeIntervalSince1970: 1_764_000_000)
            let fx = try IncidentLifecycle(config: config).declare(
                id: IncidentID("INC-20261126-001"), eventType: "db-outage", severity: "sev1", title: "DB",
                actor: "suzuki", at: t0, origin: .console
            ).get()
            let (rows, entries) = PageRouter(config: config).rows(
                for: PageRequest(action: .trigger),
                incident: fx.incident,
                now: t0
            )
            #expect(!rows.isEmpty && entries.count == rows.count && entries.allSatisfy { $0.kind == .page })
            return entries.map(\.text)
        }
        let ja = try queued("Examples/bridge.yaml")
        #expect(ja.first?.hasPrefix("pagerduty へ trigger を送信待ち") == true, "\(ja)")
        #expect(!ja.contains { $0.contains("queued") || $0.contains(" via ") }, "\(ja)")
        let en = try queued("Examples/bridge.en.yaml")
        #expect(en.first?.hasPrefix("trigger via pagerduty") == true && en.first?.hasSuffix(" (queued)") == true, "\(en)")
    }

    /// Slack's buttons, the command a resolve click sends and the hint of the update button come from the
    /// catalogue: Japanese under `locale: ja`, the English bytes unchanged under `locale: en`.
    @Test func slackButtonsSpeakTheConfigsLanguage() throws {
        func click(_ config: BridgeConfiguration, _ actionID: String) throws -> SlackInbound.Action {
            let payload: [String: Any] = [
                "type": "block_actions", "user": ["id": "U1"], "channel": ["id": "C1"],
                "actions": [["action_id": actionID, "value": "INC-1", "action_ts": "1.0"]],
            ]
            let text = String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self)
            return try SlackInbound.action(["payload": text], config: config)
        }
        func command(_ action: SlackInbound.Action) -> String? {
            if case .command(let c, _) = action { return c.command.text }
            return nil
        }
        func reply(_ action: SlackInbound.Action) -> String? {
            if case .reply(let text, _) = action { return text }
            return nil
        }
        func labels(_ config: BridgeConfiguration) -> [String] {
            let poster = SlackPoster(apiBase: "http://slack", token: "t", transport: RecordingTransport(),
                                     words: config.words, locale: config.locale)
            var m = OutboxMessage(incidentID: IncidentID("INC-1"), destination: Destination(platform: "slack", channel: "C1"),
                                  kind: PostKind.declare.rawValue, text: "declared", createdAt: Date())
            m.id = 1
            let blocks = poster.body(for: m)["blocks"] as? [[String: Any]] ?? []
            let buttons = blocks.compactMap { $0["elements"] as? [[String: Any]] }.flatMap { $0 }
            return buttons.compactMap { ($0["text"] as? [String: Any])?["text"] as? String }
        }
        let ja = try Fixtures.config()
        #expect(command(try click(ja, "incident_resolve")) == "resolve INC-1 Slackのボタンで復旧")
        #expect(reply(try click(ja, "incident_update")) == "状況は `/incident update INC-1 ‹状況›` で報告してください")
        #expect(labels(ja) == ["了解 (Ack)", "状況更新", "復旧"])
        let en = try Fixtures.config("Examples/bridge.en.yaml")
        #expect(command(try click(en, "incident_resolve")) == "resolve INC-1 resolved from the Slack button")
        #expect(reply(try click(en, "incident_update")) == "Post the status with `/incident update INC-1 ‹status›`")
        #expect(labels(en) == ["Ack", "Update", "Resolve"])
    }

    /// `/metrics` counts every refusal once, by kind.
    @Test func refusalsAreCountedByKind() async throws {
        let config = try Fixtures.config("Examples/bridge.en.yaml")
        let parts = try BridgeServer.parts(
            config: config,
            dbPath: Fixtures.tempDir() + "/r.sqlite",
            clock: ManualClock(),
            settings: try PlatformSettings(config: config, environment: Fixtures.secrets()),
            templates: Fixtures.path("Templates"),
            logger: Logger(label: "test")
        )
        func count(_ kind: Refusal.Kind) -> Int {
            let line = parts.metrics.render(openBySeverity: [:], outbox: [:]).split(separator: "\n")
                .first { $0.hasPrefix("incident_bridge_refusals_total{kind=\"\(kind.rawValue)\"}") }
            return line.flatMap { $0.split(separator: " ").last.flatMap { Int($0) } } ?? 0
        }
        let service = parts.environment.service
        func run(_ text: String, as user: String) async -> CommandOutcome {
            await service.handle(ChatCommand(platform: "console", channel: "console", user: user, text: text))
        }
        let forbidden = await run("/incident drill restore ok 40", as: "nobody")
        #expect(forbidden.refused)
        #expect(count(.forbidden) == 1)
        #expect(count(.input) == 0)
        let bad = await run("/incident frobnicate", as: "suzuki")
        #expect(!bad.ok && bad.reply.hasPrefix("Unknown command 'frobnicate'. Usage: "), "\(bad.reply)")
        #expect(count(.input) == 1)
        let noIncident = await run("/incident ack INC-20261126-999", as: "suzuki")
        #expect(!noIncident.ok)
        #expect(count(.input) == 2)
        #expect(count(.forbidden) == 1)
    }
}
