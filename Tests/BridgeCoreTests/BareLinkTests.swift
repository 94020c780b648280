@testable import BridgeCore
import BridgeTestSupport
import BridgeTesting
import Foundation
import Testing

@testable import BridgeChat
@testable import BridgeTemplates

/// Finding 7 (part) of issue 24: bare `www.` addresses and `host.tld/path` in text from a person or an alert are made
/// inert like `scheme://` ones: every platform (Slack, Mattermost, Teams, Matrix clients) links them by itself.
@Suite struct BareLinkTests {
    /// True when a platform could still link an address in `s`: a dot between a host character and a letter with
    /// no zero-width space before it (on scalars; the strings below have no other dots).
    static func linkable(_ s: String) -> Bool {
        let u = Array(s.unicodeScalars)
        for i in u.indices where u[i] == "." && i > 0 && i + 1 < u.count {
            if OneLine.isHostScalar(u[i - 1]) && u[i + 1].properties.isAlphabetic { return true }
        }
        return false
    }

    static let addresses = [
        "www.evil.example", "see WWW.evil.example.", "evil.example/login", "log in at evil.example:8443/sso now",
        "https://evil.example/login", "\u{600}www.evil.example", "障害の詳細はstatus.evil.example/incidentsへ",
        "[x](evil.example/a)", "ops@evil.example/x", "www.evil",
    ]

    @Test(arguments: addresses) func bareAddressesAreInert(_ text: String) {
        let out = OneLine.inertURLs(text)
        #expect(!Self.linkable(out), "\(out.unicodeScalars.map { String($0.value, radix: 16) })")
        // A reader still sees the same address.
        #expect(out.unicodeScalars.filter { $0 != "\u{200B}" }.elementsEqual(text.unicodeScalars))
    }

    @Test func textThatIsNoLinkIsLeftAsItIs() {
        for text in ["db01.prod is down", "v1.2.3 rolled back", "see e.g. the runbook", "example.com", "Restart. Done.",
            "3.14/2", "a..b/c"]
        {
            #expect(OneLine.inertURLs(text) == text, "\(text)")
        }
    }

    /// What reaches each platform of a note: no address in it can be linked.
    @Test(arguments: LongPostTests.platforms) func notesReachEveryPlatformInert(platform: String) async throws {
        let config = try Fixtures.config("Examples/bridge.en.yaml")
        let r = try MustacheRenderer(config: config, directory: Fixtures.path("Templates"), dialects: ChatPlatforms.dialects)
        var post = try LongPostTests.declare(config, title: "login moved to www.evil.example", alert: nil)
        post.fields["alert_summary"] = "check evil.example/status"
        var note = post
        note.kind = .note
        note.text = "please use www.evil.example or evil.example/login"
        for p in [post, note] {
            let shown = try await LongPostTests.visible(platform, r.render(p, for: platform), p)
            for line in shown.split(separator: "\n") where line.contains("evil") {
                #expect(!Self.linkable(String(line)), "\(platform) \(p.kind): \(line)")
            }
            #expect(shown.contains("evil"))
        }
    }
}
