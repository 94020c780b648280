import BridgeTestSupport
import BridgeChat
import BridgeCore
import BridgeServer
import BridgeTransport
import BridgeTesting
import Foundation
import Logging
import Testing
import BridgePaging
import BridgeOperatingModel
import BridgeAlerts

/// The outbox dispatcher delivering over libcurl to `sink.py` standing in for Slack's Web API.
@Suite(.serialized) struct DeliveryTests {
    struct Rig {
        let parts: BridgeServer.Parts
        let task: Task<Void, Error>

        init(apiBase: String) throws {
            var config = try Fixtures.config("Examples/bridge.en.yaml")
            config.chat.platforms["slack"] = ["channel": "C0INCIDENTS", "api_base": apiBase]
            config.chat.consoleEnabled = false
            let settings = try PlatformSettings(
                config: config,
                environment: Fixtures.secrets([
                    "SLACK_SIGNING_SECRET": "s", "SLACK_BOT_TOKEN": "xoxb-test-token",
                ])
            )
            let parts = try BridgeServer.parts(
                config: config,
                dbPath: Fixtures.tempDir() + "/b.sqlite",
                settings: settings,
                transport: CurlTransport(connectTimeout: 1, timeout: 3),
                templates: Fixtures.path("Templates"),
                logger: Logger(label: "test")
            )
            self.parts = parts
            task = Task { try await parts.dispatcher.run() }
        }

        func command(_ text: String) async -> CommandOutcome {
            await parts.environment.service.handle(
                ChatCommand(platform: "slack", channel: "C0INCIDENTS", user: "U01SUZU0002", text: text)
            )
        }

        func waitUntil(_ seconds: Double, _ ok: () async throws -> Bool) async throws -> Bool {
            let end = Date().addingTimeInterval(seconds)
            while Date() < end {
                if try await ok() { return true }
                try await Task.sleep(nanoseconds: 50_000_000)
            }
            return try await ok()
        }
    }

    static func posted(_ sink: Sink) -> [[String: Any]] {
        sink.requests.filter { ($0["path"] as? String) == "/api/chat.postMessage" }
    }

    @Test func declarePostIsChatPostMessageWithTokenAndBlocks() async throws {
        let sink = try Sink()
        defer { sink.stop() }
        let rig = try Rig(apiBase: sink.url + "/api")
        defer { rig.task.cancel() }
        _ = await rig.command("declare db-outage sev1 Orders <!channel> DB down")
        #expect(try await rig.waitUntil(10) { !Self.posted(sink).isEmpty })
        let request = try #require(Self.posted(sink).first)
        let headers = request["headers"] as? [String: String] ?? [:]
        #expect(headers["Authorization"] == "Bearer xoxb-test-token")
        let body = try JSONSerialization.jsonObject(with: Data((request["body"] as! String).utf8)) as! [String: Any]
        #expect(body["channel"] as? String == "C0INCIDENTS")
        #expect((body["text"] as? String)?.contains("<@U01SATO0001>") == true)
        #expect((body["text"] as? String)?.contains("&lt;!channel&gt;") == true)
        let blocks = try #require(body["blocks"] as? [[String: Any]])
        let actions = try #require(blocks.first { $0["type"] as? String == "actions" }?["elements"] as? [[String: Any]])
        #expect(actions.map { $0["action_id"] as? String } == ["incident_ack", "incident_update", "incident_resolve"])
        #expect(try await rig.parts.environment.store.outboxCounts()["sent"] == 1)
    }

    @Test func retryAfterIsHonouredAndTheMessageArrivesOnce() async throws {
        let sink = try Sink(environment: ["SINK_STATUSES": "429,200", "SINK_HEADERS": "Retry-After: 1"])
        defer { sink.stop() }
        let rig = try Rig(apiBase: sink.url + "/api")
        defer { rig.task.cancel() }
        let start = Date()
        _ = await rig.command("declare db-outage sev1 Orders DB down")
        #expect(try await rig.waitUntil(10) { try await rig.parts.environment.store.outboxCounts()["sent"] == 1 })
        let calls = Self.posted(sink)
        #expect(calls.count == 2)  // the 429, then the delivery
        #expect(Date().timeIntervalSince(start) >= 1)
        try await Task.sleep(nanoseconds: 1_500_000_000)
        #expect(Self.posted(sink).count == 2)
    }

    @Test func sinkDownThenBackEverythingArrivesInOrder() async throws {
        let port = Peers.freePort()
        let rig = try Rig(apiBase: "http://127.0.0.1:\(port)/api")
        defer { rig.task.cancel() }
        _ = await rig.command("declare db-outage sev1 Orders DB down")
        for i in 1...4 { _ = await rig.command("note update number \(i)") }
        try await Task.sleep(nanoseconds: 2_500_000_000)  // a few failed attempts while nobody listens
        #expect(try await rig.parts.environment.store.outboxCounts()["sent"] == 0)
        let sink = try Sink(port: port)
        defer { sink.stop() }
        rig.parts.outboxWake.signal()
        #expect(try await rig.waitUntil(20) { try await rig.parts.environment.store.outboxCounts()["sent"] == 5 })
        let texts = Self.posted(sink).compactMap { r -> String? in
            (try? JSONSerialization.jsonObject(with: Data((r["body"] as! String).utf8)) as? [String: Any])?["text"]
                as? String
        }
        #expect(texts.count == 5)
        #expect(texts.first?.contains("MAJOR INCIDENT") == true)
        #expect(
            texts.dropFirst().map { $0.components(separatedBy: "update number ").last ?? "" } == ["1", "2", "3", "4"]
        )
    }
}
