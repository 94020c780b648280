import BridgeTestSupport
import BridgeCore
import Testing
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

@Suite struct CommandParserTests {
    func parse(_ s: String) -> ParsedCommand? { try? CommandParser.parse(s).get() }
    func error(_ s: String) -> CommandError? {
        if case .failure(let e) = CommandParser.parse(s) { return e }
        return nil
    }

    @Test func declareWithSeverityAndJapaneseTitle() {
        #expect(
            parse("/incident declare db-outage sev1 注文DBに接続できない")
                == .declare(eventType: "db-outage", severity: "sev1", title: "注文DBに接続できない")
        )
    }

    @Test func declareWithoutSeverityAndFullWidthSpaces() {
        #expect(
            parse("!incident\u{3000}宣言\u{3000}db-outage\u{3000}注文 DB 停止")
                == .declare(eventType: "db-outage", severity: nil, title: "注文 DB 停止")
        )
    }

    @Test func bareVerbFromSlashCommand() {
        #expect(parse("ack") == .ack(nil))
        #expect(parse("了解 inc-20261126-002") == .ack(IncidentID("INC-20261126-002")))
    }

    @Test func quotesGroupWords() {
        #expect(parse("/incident note \"two  spaces\" kept") == .note(nil, text: "two  spaces kept"))
        #expect(parse("/incident update 「原因 調査中」") == .update(nil, text: "原因 調査中"))
    }

    @Test func mentionForms() {
        #expect(
            parse("/incident assign commander <@U01SATO0001>") == .assign(nil, role: .commander, user: "U01SATO0001")
        )
        #expect(
            parse("/incident assign INC-20261126-001 A <@U123|sato>")
                == .assign(IncidentID("INC-20261126-001"), role: .accountable, user: "U123")
        )
        #expect(parse("/incident 担当 広報 @sato") == .assign(nil, role: .comms, user: "sato"))
        #expect(
            parse("!incident assign R @alice:example.org")
                == .assign(nil, role: .responsible, user: "@alice:example.org")
        )
        #expect(parse("/incident assign scribe <at>Sato Ken</at>") == nil)  // spaces split an <at> mention
    }

    @Test func everyVerbHasAUsage() {
        for v in Verb.allCases { #expect(v.usage.hasPrefix("/incident \(v.rawValue)")) }
    }

    @Test func errorsAreOneLineWithUsage() throws {
        let words = try Fixtures.words()
        let unknown = try #require(error("/incident frobnicate"))
        #expect(unknown.text(words, .en).contains("Unknown command 'frobnicate'"))
        #expect(!unknown.text(words, .en).contains("\n"))
        let noTitle = try #require(error("/incident declare db-outage sev1"))
        #expect(noTitle.text(words, .en) == "Missing title. Usage: /incident declare <event-type> [sev1..sev4] <title>")
        #expect(noTitle.text(words, .ja).contains("件名がありません"))
        #expect(error("/incident resolve") != nil)
        #expect(error("/incident ack INC-20261126-001 extra") != nil)
        #expect(error("/incident timeline pdf") != nil)
        #expect(error("/incident note \"unclosed") != nil)
        #expect(error("") != nil)
        #expect(error("/incident") != nil)
        #expect(error("/incident kpi soon") != nil)
        #expect(error("/incident change deploy-42 maybe") != nil)
    }

    @Test func otherVerbs() {
        #expect(parse("/incident timeline csv") == .timeline(nil, format: .csv))
        #expect(parse("/incident timeline INC-20261126-001") == .timeline(IncidentID("INC-20261126-001"), format: .md))
        #expect(parse("/incident escalate 応答なし") == .escalate(nil, reason: "応答なし"))
        #expect(parse("/incident mitigate") == .mitigate(nil, text: nil))
        #expect(parse("/incident raci db-outage") == .raci(eventType: "db-outage"))
        #expect(parse("/incident 手順書 db-outage") == .runbook(name: "db-outage"))
        #expect(parse("/incident kpi 7d") == .kpi(window: .init(seconds: 7 * 86_400)))
        #expect(parse("/incident drill restore ok 45") == .drill(kind: .restore, result: "ok", minutes: 45))
        #expect(parse("/incident change rel-42 失敗") == .change(name: "rel-42", success: false))
        #expect(parse("/incident list") == .list)
        #expect(parse("/incident ヘルプ") == .help)
        #expect(parse("/incident close") == .close(nil))
    }

    @Test func durations() {
        #expect(BridgeDuration(parsing: "1h30m")?.seconds == 5400)
        #expect(BridgeDuration(parsing: "2s")?.seconds == 2)
        #expect(BridgeDuration(parsing: "15") == nil)
        #expect(BridgeDuration(parsing: "30m1h") == nil)
        #expect(BridgeDuration(parsing: "") == nil)
        #expect(BridgeDuration(seconds: 15300).description == "4h15m")
    }
}
