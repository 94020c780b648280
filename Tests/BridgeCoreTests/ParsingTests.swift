import BridgeTestSupport
import BridgeCore
import BridgeTesting
import Foundation
import Testing

@testable import BridgeChat
import BridgePaging
import BridgeOperatingModel
import BridgeAlerts

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
        // Fields without escapes are taken as they are, with the same UTF-8 check.
        #expect(FormDecoder.decode(Data("a=%E6%B3%A8&b=注文&c=x+y".utf8)) == ["a": "注", "b": "注文", "c": "x y"])
    }

    @Test func formDecoderRefusesBrokenEscapes() {
        #expect(FormDecoder.decode(Data("text=%E6%B3".utf8)) == nil, "truncated UTF-8")
        #expect(FormDecoder.decode(Data("text=%G1".utf8)) == nil, "not hex")
        #expect(FormDecoder.decode(Data("text=abc%4".utf8)) == nil, "cut escape")
        #expect(FormDecoder.decode(Data([0x74, 0x3D, 0xFF])) == nil, "raw byte that is not UTF-8")
    }

    @Test func slackSignatureMatchesSlacksExampleAndRefusesMalformedHeaders() {
        // The example of Slack's "Verifying requests from Slack" page.
        let signer = SlackSignature(secret: "8f742231b10e8888abcd99yyyzzz85a5")
        let body = Data(
            ("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
                + "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
                + "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGl"
                + "gcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c").utf8
        )
        let good = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
        let now = Date(timeIntervalSince1970: 1_531_420_618)
        #expect(signer.sign(timestamp: "1531420618", body: body) == good)
        func verdict(_ sig: String?, _ ts: String? = "1531420618") -> Result<Void, SlackSignature.Failure> {
            signer.verify(timestamp: ts, signature: sig, body: body, now: now)
        }
        #expect((try? verdict(good).get()) != nil)
        #expect((try? verdict(good.uppercased().replacingOccurrences(of: "V0=", with: "v0=")).get()) != nil)
        for bad in [
            "v1=" + good.dropFirst(3), String(good.dropLast()), good + "0", good.dropLast() + "4",
            good.dropLast(2) + "zz", "", "v0=",
        ] {
            guard case .failure(.badSignature) = verdict(String(bad)) else {
                Issue.record("accepted or misjudged \(bad)")
                continue
            }
        }
        guard case .failure(.missingHeaders) = verdict(nil) else { return #expect(Bool(false)) }
        guard case .failure(.staleTimestamp) = verdict(good, "1531420000") else { return #expect(Bool(false)) }
        #expect(SlackSignature.signatureBytes(good)?.count == 32)
    }

    @Test func oneSignerServesConcurrentRequests() async {
        // The keyed HMAC is shared and copied per request: concurrent use must not mix states.
        let shared = SlackSignature(secret: "s3cret")
        let results = await withTaskGroup(of: (Int, String).self) { g -> [Int: String] in
            for i in 0..<400 {
                g.addTask { (i, shared.sign(timestamp: "1700000000", body: Data("text=note+\(i)".utf8))) }
            }
            var out: [Int: String] = [:]
            for await (i, sig) in g { out[i] = sig }
            return out
        }
        for i in 0..<400 {
            let fresh = SlackSignature(secret: "s3cret").sign(
                timestamp: "1700000000",
                body: Data("text=note+\(i)".utf8)
            )
            #expect(results[i] == fresh, "request \(i)")
        }
        #expect(Set(results.values).count == 400)
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

    @Test func alertmanagerErrorsNameTheField() throws {
        let words = try Fixtures.words()
        func reason(_ text: String) -> String? {
            if case .failure(let l) = AlertmanagerNotification.decode(Data(text.utf8)) { return l.text(words, .en) }
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
                fileURLWithPath: Fixtures.path("Tests/Resources/alertmanager-webhook-firing.json")
            )
        )
        let mine = try AlertmanagerNotification.decode(data).get()
        let theirs = try JSONDecoder().decode(AlertmanagerNotification.self, from: data)
        #expect(mine == theirs)
    }
}
