import BridgeTestSupport
import BridgeCore
import Foundation
import HummingbirdTesting
import Testing

@testable import BridgeChat
@testable import BridgeOperatingModel
@testable import BridgeServer

/// The escaping suite's case on the incident pages (the pages rig of `PagesTests`).
@Suite struct PagesEscapingTests {
    /// Finding 3 of issue 24: a note (or a title) with U+0600 before `<div style=...>` drew a full-page overlay.
    @Test func aPrependCharacterDoesNotOpenATagOnThePages() async throws {
        let rig = try PagesTests.Rig()
        let overlay = "<div style=\"position:fixed;inset:0;background:#fff\">Bridge: 0120-999-999</div>"
        let id = try #require(try await rig.run("/incident declare db-outage sev1 \u{600}\(overlay) title"))
        try await rig.run("/incident note \(id) \u{600}\(overlay) \u{600}<img src=x> \u{600}\"\u{600}&")
        try await rig.app.test(.router) { client in
            for uri in ["/incidents", "/incidents/\(id)", "/incidents/\(id)?all=1"] {
                let (status, _, html) = try await Fixtures.get(client, uri)
                #expect(status == .ok)
                #expect(!Fixtures.bytes(html, contain: "<div style"), "\(uri)")
                #expect(!Fixtures.bytes(html, contain: "<img"), "\(uri)")
                #expect(Fixtures.bytes(html, contain: "\u{600}&lt;div style=&quot;position:fixed"), "\(uri)")
            }
            let (_, _, page) = try await Fixtures.get(client, "/incidents/\(id)")
            #expect(Fixtures.bytes(page, contain: "\u{600}&lt;img src=x&gt; \u{600}&quot;\u{600}&amp;"))
        }
    }
}
