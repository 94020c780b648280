import BridgeChat
import BridgeCore
import Foundation
import Testing

/// The hand-written parsers on the hot paths (form bodies, webhook JSON) against Foundation's own.
@Suite struct ParsingTests {
    @Test func formDecoderMatchesFoundation() throws {
        let body = "team_id=T1&text=declare+db-outage+sev1+%E6%B3%A8%E6%96%87DB%3C%21channel%3E&empty=&novalue&a=1&a=2"
        let form = try #require(FormDecoder.decode(Data(body.utf8)))
        #expect(form["text"] == "declare db-outage sev1 注文DB<!channel>")
        #expect(form["empty"] == "")
        #expect(form["novalue"] == "")
        #expect(form["a"] == "2", "the last value wins")
        // Foundation's decoding of every value agrees.
        var c = URLComponents()
        c.percentEncodedQuery = body.replacingOccurrences(of: "+", with: "%20")
        for item in c.queryItems ?? [] where item.name != "a" { #expect(form[item.name] == (item.value ?? "")) }
        #expect(FormDecoder.decode(Data()) == [:])
    }

    @Test func formDecoderRefusesBrokenEscapes() {
        #expect(FormDecoder.decode(Data("text=%E6%B3".utf8)) == nil, "truncated UTF-8")
        #expect(FormDecoder.decode(Data("text=%G1".utf8)) == nil, "not hex")
        #expect(FormDecoder.decode(Data("text=abc%4".utf8)) == nil, "cut escape")
        #expect(FormDecoder.decode(Data([0x74, 0x3D, 0xFF])) == nil, "raw byte that is not UTF-8")
    }

    @Test func jsonParserAgreesWithJSONSerialization() throws {
        let text = #"""
            {"a": [1, -2.5e3, true, false, null, {}], "s": "tab\t\"q\" \\ \/ \u00e9 \ud83d\ude80 日本",
             "nested": {"x": {"y": [[]]}}, "n": 0}
            """#
        let mine = try JSONValue.parse(Data(text.utf8))
        let theirs = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(mine["s"]?.string == theirs["s"] as? String)
        #expect(mine["s"]?.string == "tab\t\"q\" \\ / é 🚀 日本")
        #expect(mine["a"]?.array?.count == 6)
        #expect(mine["a"]?.array?[1] == .number(-2500))
        #expect(mine["nested"]?["x"]?["y"] == .array([.array([])]))
        #expect(mine["n"] == .number(0))
    }

    @Test func jsonParserRefusesMalformedDocuments() {
        let bad = [
            "", "{", "{\"a\":}", "{\"a\" 1}", "[1,]", "{\"a\":1,}", "\"\\ud800\"", "\"\\x\"", "tru", "{} x",
            "\"a\nb\"", "01x", String(repeating: "[", count: 100) + String(repeating: "]", count: 100),
        ]
        for text in bad {
            #expect(throws: JSONValue.ParseError.self, "\(text)") { try JSONValue.parse(Data(text.utf8)) }
        }
        #expect(throws: JSONValue.ParseError.self, "bytes that are not UTF-8") {
            try JSONValue.parse(Data([0x22, 0xFF, 0x22]))
        }
    }

    @Test func alertmanagerErrorsNameTheField() {
        func reason(_ text: String) -> String? {
            if case .failure(let l) = AlertmanagerNotification.decode(Data(text.utf8)) { return l.en }
            return nil
        }
        #expect(reason("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[]}") == "missing field groupKey")
        #expect(
            reason(
                "{\"version\":\"4\",\"groupKey\":\"g\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"a\":1}}]}"
            )
                == "wrong type at alerts.0.labels.a"
        )
        #expect(
            reason("{\"version\":\"4\",\"groupKey\":\"g\",\"status\":\"firing\",\"alerts\":{}}")
                == "wrong type at alerts"
        )
        #expect(
            reason("{\"version\":\"3\",\"groupKey\":\"g\",\"status\":\"firing\",\"alerts\":[]}")?.hasPrefix(
                "unsupported payload version 3"
            ) == true
        )
        #expect(reason("not json")?.hasPrefix("not JSON") == true)
    }

    @Test func alertmanagerFixtureDecodesLikeJSONDecoder() throws {
        let data = try Data(
            contentsOf: URL(
                fileURLWithPath: Fixtures.path("Tests/BridgeTests/Resources/alertmanager-webhook-firing.json")
            )
        )
        let mine = try AlertmanagerNotification.decode(data).get()
        let theirs = try JSONDecoder().decode(AlertmanagerNotification.self, from: data)
        #expect(mine == theirs)
    }
}
