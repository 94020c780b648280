import BridgeTestSupport
import BridgeChat
import BridgeCore
import BridgeServer
import BridgeTesting
import BridgeTransport
import Foundation
import Logging
import Testing

/// STYLE's scenario through the real `serve` wiring (parts, scheduler and dispatcher services, libcurl) with a
/// manual clock: declare -> 15 min without ack -> the vendor PM's step posted and paged once -> ack -> nothing
/// more. The far sides are `sink.py` processes; the assertions are on what reached them.
@Suite(.serialized) struct EscalationEndToEndTests {
    static func events(_ sink: Sink) -> [[String: Any]] {
        sink.requests.compactMap { r in
            (r["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        }
    }

    static func wait(_ seconds: Double, _ ok: () -> Bool) async throws -> Bool {
        let end = Date().addingTimeInterval(seconds)
        while Date() < end {
            if ok() { return true }
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        return ok()
    }

    @Test func unacknowledgedSev1PagesTheVendorPMOnceThenAckStopsEverything() async throws {
        let chatSink = try Sink()
        let pageSink = try Sink()
        defer {
            chatSink.stop()
            pageSink.stop()
        }
        let clock = ManualClock()
        var config = try Fixtures.config("Examples/bridge.en.yaml")
        config.chat.platforms = ["webhook": ["url_env": "CHAT_WEBHOOK_URL"]]
        config.chat.consoleEnabled = false
        config.paging.channels = ["webhook": ["url": pageSink.url]]
        let settings = try PlatformSettings(config: config, environment: Fixtures.secrets(["CHAT_WEBHOOK_URL": chatSink.url]))
        let parts = try BridgeServer.parts(
            config: config,
            dbPath: Fixtures.tempDir() + "/e2e.sqlite",
            clock: clock,
            settings: settings,
            transport: CurlTransport(connectTimeout: 1, timeout: 3),
            templates: Fixtures.path("Templates"),
            logger: Logger(label: "e2e")
        )
        let scheduler = Task { try await parts.scheduler.run() }
        let dispatcher = Task { try await parts.dispatcher.run() }
        defer {
            scheduler.cancel()
            dispatcher.cancel()
        }
        func triggers(step: Int) -> [[String: Any]] {
            Self.events(pageSink).filter { $0["event"] as? String == "trigger" && $0["step"] as? Int == step }
        }
        func escalatedPosts() -> [[String: Any]] {
            Self.events(chatSink).filter { $0["kind"] as? String == "escalated" }
        }

        let declared = await parts.environment.service.handle(
            ChatCommand(platform: "console", channel: "console", user: "suzuki", text: "declare db-outage sev1 Orders DB down")
        )
        #expect(declared.ok, "\(declared.reply)")
        #expect(try await Self.wait(10) { triggers(step: 0).count == 1 }, "the declaration pages step 1's people")
        #expect(try await Self.wait(10) { Self.events(chatSink).contains { $0["kind"] as? String == "declare" } })

        // 14 minutes: nothing escalates yet.
        clock.advance(by: 14 * 60)
        try await Task.sleep(nanoseconds: 500_000_000)
        #expect(triggers(step: 1).isEmpty && escalatedPosts().isEmpty)

        // 15 minutes without an ack: the vendor PM is posted to the channel and paged, once.
        clock.advance(by: 60)
        #expect(try await Self.wait(10) { triggers(step: 1).count == 1 && escalatedPosts().count == 1 })
        let paged = (triggers(step: 1).first?["people"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        // The vendor PM role has a schedule (dev-oncall): only whoever is on call then, the deputy PM that week.
        #expect(paged.sorted() == ["ito"], "the vendor PM on call: \(paged)")
        #expect((escalatedPosts().first?["text"] as? String ?? "").contains("Vendor PM"))

        // The vendor PM acknowledges: the pager hears it, and no later step ever fires.
        let ack = await parts.environment.service.handle(
            ChatCommand(platform: "console", channel: "console", user: "tanaka", text: "ack")
        )
        #expect(ack.ok, "\(ack.reply)")
        #expect(try await Self.wait(10) { Self.events(pageSink).contains { $0["event"] as? String == "acknowledge" } })
        for _ in 0..<8 {
            clock.advance(by: 30 * 60)
            try await Task.sleep(nanoseconds: 200_000_000)
        }
        try await Task.sleep(nanoseconds: 1_000_000_000)
        #expect(triggers(step: 1).count == 1, "the vendor PM was paged exactly once")
        #expect(Self.events(pageSink).filter { $0["event"] as? String == "trigger" }.count == 2, "step 1 and step 2 only")
        #expect(escalatedPosts().count == 1, "no escalation after the ack")
    }
}
