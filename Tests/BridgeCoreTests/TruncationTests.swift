import BridgeTestSupport
import BridgeChat
import BridgeCore
import Foundation
import Testing

@testable import BridgeTesting

/// A 1 MiB title is cut to each platform's limit with a visible marker instead of being refused for good; what
/// reached the far side is checked on a recording transport.
@Suite struct TruncationTests {
    static let huge = String(repeating: "障害", count: 300_000)  // 600,000 characters, 1.8 MB of UTF-8

    @Test func cutKeepsShortTextsAndMarksLongOnes() {
        #expect(Truncation.cut("short", maxCharacters: 10) == "short")
        let cut = Truncation.cut(Self.huge, maxCharacters: 1000, maxUTF8Bytes: 900)
        #expect(cut.hasSuffix(Truncation.marker))
        #expect(cut.count <= 1000 && cut.utf8.count <= 900)
    }

    /// Sizes count code points, not graphemes: one letter with 30,000 combining marks is one `Character` and was
    /// passed whole to platforms that then refused the post (issue 24).
    @Test func cutCountsCodePointsNotGraphemes() {
        let zalgo = "Z" + String(repeating: "\u{301}", count: 30_000)
        let cut = Truncation.cut(zalgo, maxCharacters: 1000)
        #expect(cut.unicodeScalars.count <= 1000 && cut.hasSuffix(Truncation.marker))
        // With a byte limit too (Teams, Matrix) the grapheme count trapped: "Can't remove more items from a
        // collection than it contains".
        let bytes = Truncation.cut(zalgo, maxCharacters: 20_000, maxUTF8Bytes: 20_000)
        #expect(bytes.utf8.count <= 20_000 && bytes.hasSuffix(Truncation.marker))
        // A grapheme of ordinary size is not split: the flag stays whole or goes.
        let flags = String(repeating: "\u{1F1EF}\u{1F1F5}", count: 100)
        let head = Truncation.cut(flags, maxCharacters: 25).dropLast(Truncation.marker.count)
        #expect(head.unicodeScalars.count % 2 == 0 && head.unicodeScalars.count <= 25 - Truncation.marker.unicodeScalars.count)
        #expect(Truncation.field(flags, maxScalars: 3) == "\u{1F1EF}\u{1F1F5}…")
    }

    static func message(_ platform: String, _ channel: String) -> OutboxMessage {
        var m = OutboxMessage(
            incidentID: IncidentID("INC-20261126-001"),
            destination: Destination(platform: platform, channel: channel),
            kind: "declare",
            text: huge,
            createdAt: Date()
        )
        m.id = 7
        return m
    }

    static func json(_ r: HTTPRequest) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: r.body) as? [String: Any])
    }

    @Test func everyPosterSendsWithinItsPlatformsLimit() async throws {
        let t = RecordingTransport { _ in HTTPResponse(status: 200, body: Data(#"{"ok":true,"id":"x"}"#.utf8)) }
        try await MattermostPoster(
            serverURL: "http://mm",
            botToken: "t",
            webhookURL: nil,
            actionsURL: nil,
            actionKey: "k",
            transport: t,
            words: try Fixtures.words(),
            locale: .en
        ).deliver(Self.message("mattermost", "c"))
        let mm = try Self.json(t.requests[0])["message"] as? String ?? ""
        #expect(mm.count <= 16_383 && mm.hasSuffix(Truncation.marker))

        try await MatrixPoster(homeserver: "http://hs", token: "t", people: [:], transport: t)
            .deliver(Self.message("matrix", "!r:hs"))
        #expect(t.requests[1].body.count < 65_536, "a Matrix event is at most 64 KiB: \(t.requests[1].body.count)")

        try await TeamsPoster(workflowURL: "http://teams", transport: t, publicURL: nil).deliver(Self.message("teams", "w"))
        #expect(t.requests[2].body.count < 28_000, "Teams: \(t.requests[2].body.count) bytes")

        try await SlackPoster(apiBase: "http://slack", token: "t", transport: t, words: Fixtures.words(), locale: .en)
            .deliver(Self.message("slack", "C1"))
        let slack = try Self.json(t.requests[3])["text"] as? String ?? ""
        #expect(slack.count <= 40_000 && slack.hasSuffix(Truncation.marker))
    }
}
