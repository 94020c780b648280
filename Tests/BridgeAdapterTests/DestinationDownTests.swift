import BridgeTestSupport
import BridgeChat
import BridgeCore
import BridgeServer
import BridgeTransport
import Foundation
import Logging
import Testing

@testable import BridgeTesting

/// A destination down for 10 minutes (connection refused, then 503s, then 429 with `Retry-After`): nothing is
/// lost, nothing fails, and the channel's posts arrive in the order they were made. Manual clock, the real
/// dispatcher and libcurl; the far side is `sink.py` on a port that first has no listener.
@Suite(.serialized) struct DestinationDownTests {
    @Test func tenMinutesDownLosesNothingAndKeepsOrder() async throws {
        let port = Peers.freePort()
        let clock = ManualClock()
        var config = try Fixtures.config("Examples/bridge.en.yaml")
        config.chat.platforms = ["webhook": ["url_env": "CHAT_WEBHOOK_URL"]]
        config.chat.consoleEnabled = false
        config.paging.channels = [:]
        let parts = try BridgeServer.parts(
            config: config,
            dbPath: Fixtures.tempDir() + "/d.sqlite",
            clock: clock,
            settings: try PlatformSettings(
                config: config,
                environment: Fixtures.secrets(["CHAT_WEBHOOK_URL": "http://127.0.0.1:\(port)/chat"])
            ),
            transport: CurlTransport(connectTimeout: 1, timeout: 3),
            templates: Fixtures.path("Templates"),
            logger: Logger(label: "down")
        )
        let dispatcher = Task { try await parts.dispatcher.run() }
        defer { dispatcher.cancel() }
        func run(_ text: String) async {
            let out = await parts.environment.service.handle(
                ChatCommand(platform: "console", channel: "console", user: "suzuki", text: text)
            )
            #expect(out.ok, "\(out.reply)")
        }
        await run("declare db-outage sev1 DB down")
        for i in 1...20 { await run("note n\(i)-end") }
        // Minutes 0-4: connection refused. Time moves in 10 s steps; every head is retried with backoff.
        for _ in 0..<30 {
            clock.advance(by: 10)
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        var counts = try await parts.environment.store.outboxCounts()
        #expect(counts["sent", default: 0] == 21 && counts["failed", default: 0] == 0, "only the console's: \(counts)")
        // Minutes 5-10: the server is back but overloaded: 503, 503, 503, then 429 with Retry-After, then 200s.
        let sink = try Sink(
            port: port,
            environment: ["SINK_STATUSES": "503,503,503,429,200", "SINK_HEADERS": "Retry-After: 20"]
        )
        defer { sink.stop() }
        for _ in 0..<60 {
            clock.advance(by: 10)
            try await Task.sleep(nanoseconds: 30_000_000)
            if try await parts.environment.store.outboxCounts()["sent", default: 0] == 42 { break }
        }
        counts = try await parts.environment.store.outboxCounts()
        // 21 posts to the webhook, and their copies to the console the commands came from (delivered at once).
        #expect(counts["sent", default: 0] == 42 && counts["pending", default: 0] == 0, "\(counts)")
        #expect(counts["failed", default: 0] == 0)
        // What the far side answered 200 to, in order: the declaration, then n1 ... n20.
        let texts: [String] = sink.requests.compactMap { r in
            guard let body = r["body"] as? String,
                let o = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
            else { return nil }
            return o["text"] as? String
        }
        var distinct: [String] = []
        for t in texts where distinct.last != t { distinct.append(t) }
        #expect(distinct.count == 21, "every post once after its retries: \(distinct.count)")
        #expect(distinct.first?.contains("MAJOR INCIDENT") == true)
        let notes = distinct.dropFirst().compactMap { t in t.range(of: #"n\d+-end"#, options: .regularExpression).map { String(t[$0]) } }
        #expect(notes == (1...20).map { "n\($0)-end" }, "per-lane order kept: \(notes)")
        #expect(texts.count >= 25, "the 503s and the 429 were retried: \(texts.count) requests")
    }
}
