import BridgeTestSupport
import BridgeChat
import BridgeCore
import BridgeServer
import BridgeTesting
import BridgeTransport
import Foundation
import Logging
import Testing

/// Escalation that really pages each step's people: a db-outage left unacknowledged reaches step 1's people,
/// then the vendor PM, then the business owner, on PagerDuty (Events v2, a `dedup_key` per step, the vendor
/// PM's own routing key) and on Opsgenie (an alias per step with the step's responders), each exactly once;
/// the acknowledgement reaches every page opened. The far sides are `sink.py`s speaking the vendors' paths.
@Suite(.serialized) struct PagingEscalationTests {
    static func bodies(_ sink: Sink) -> [(path: String, body: [String: Any])] {
        sink.requests.compactMap { r in
            guard let path = r["path"] as? String, let text = r["body"] as? String,
                let body = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            else { return nil }
            return (path, body)
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

    @Test func eachStepPagesItsPeopleOnceAndTheAckClosesEveryPage() async throws {
        let pd = try Sink(status: 202, body: #"{"status":"success","dedup_key":"x"}"#)
        let og = try Sink(status: 202, body: #"{"result":"Request will be processed","requestId":"r"}"#)
        defer {
            pd.stop()
            og.stop()
        }
        let clock = ManualClock()
        var config = try Fixtures.config("Examples/bridge.en.yaml")
        config.chat.platforms = [:]
        config.paging.channels = [
            "pagerduty": ["api_base": pd.url, "routing_keys": "vendor_pm=PD_VENDOR_KEY"],
            "opsgenie": ["api_base": og.url],
        ]
        let settings = try PlatformSettings(
            config: config,
            environment: Fixtures.secrets([
                "PAGERDUTY_ROUTING_KEY": "R0UTING-OPS", "PD_VENDOR_KEY": "R0UTING-VENDOR", "OPSGENIE_API_KEY": "og-key",
            ])
        )
        let parts = try BridgeServer.parts(
            config: config,
            dbPath: Fixtures.tempDir() + "/p.sqlite",
            clock: clock,
            settings: settings,
            transport: CurlTransport(connectTimeout: 1, timeout: 3),
            templates: Fixtures.path("Templates"),
            logger: Logger(label: "paging")
        )
        let scheduler = Task { try await parts.scheduler.run() }
        let dispatcher = Task { try await parts.dispatcher.run() }
        defer {
            scheduler.cancel()
            dispatcher.cancel()
        }
        let id = "INC-20261126-001"
        func pdEvents(_ action: String) -> [[String: Any]] {
            Self.bodies(pd).map(\.body).filter { $0["event_action"] as? String == action }
        }
        func ogCreates() -> [[String: Any]] { Self.bodies(og).filter { $0.path == "/v2/alerts" }.map(\.body) }
        func responders(_ alias: String) -> [String] {
            let alert = ogCreates().first { $0["alias"] as? String == alias }
            return (alert?["responders"] as? [[String: Any]] ?? []).compactMap { $0["username"] as? String }.sorted()
        }

        let declared = await parts.environment.service.handle(
            ChatCommand(platform: "console", channel: "console", user: "suzuki", text: "declare db-outage sev1 DB down")
        )
        #expect(declared.ok)
        #expect(try await Self.wait(10) { pdEvents("trigger").count == 1 && ogCreates().count == 1 })
        #expect(pdEvents("trigger")[0]["dedup_key"] as? String == id)
        #expect(pdEvents("trigger")[0]["routing_key"] as? String == "R0UTING-OPS")
        #expect(pdEvents("trigger")[0]["incident_bridge_roles"] == nil, "the roles hint is not sent")

        clock.advance(by: 15 * 60)  // step 2: the vendor PM, on its own PagerDuty service
        #expect(try await Self.wait(10) { pdEvents("trigger").count == 2 && ogCreates().count == 2 })
        let step2 = try #require(pdEvents("trigger").first { $0["dedup_key"] as? String == "\(id).r1s2" })
        #expect(step2["routing_key"] as? String == "R0UTING-VENDOR")
        let details = (step2["payload"] as? [String: Any])?["custom_details"] as? [String: Any]
        #expect((details?["paged"] as? [String])?.sorted() == ["Aya Ito"])  // the vendor PM on call (dev-oncall)
        #expect(!responders("\(id).r1s2").isEmpty)

        clock.advance(by: 30 * 60)  // step 3: the business owner
        #expect(try await Self.wait(10) { pdEvents("trigger").count == 3 && ogCreates().count == 3 })
        #expect(pdEvents("trigger").contains { $0["dedup_key"] as? String == "\(id).r1s3" })
        #expect(ogCreates().map { $0["alias"] as? String ?? "" }.sorted() == [id, "\(id).r1s2", "\(id).r1s3"])

        let ack = await parts.environment.service.handle(
            ChatCommand(platform: "console", channel: "console", user: "sato", text: "ack")
        )
        #expect(ack.ok, "\(ack.reply)")
        // Every page opened is acknowledged on every configured service (the one it was opened on among them).
        #expect(try await Self.wait(10) { pdEvents("acknowledge").count == 6 })
        let acks = Set(pdEvents("acknowledge").map { "\($0["dedup_key"] as? String ?? "") \($0["routing_key"] as? String ?? "")" })
        #expect(acks.count == 6)
        #expect(acks.contains("\(id).r1s2 R0UTING-VENDOR") && acks.contains("\(id) R0UTING-OPS"), "\(acks)")
        let ogAcks = { Self.bodies(og).map(\.path).filter { $0.hasSuffix("/acknowledge?identifierType=alias") } }
        #expect(try await Self.wait(10) { ogAcks().count == 3 })
        #expect(Set(ogAcks()) == Set([id, "\(id).r1s2", "\(id).r1s3"].map { "/v2/alerts/\($0)/acknowledge?identifierType=alias" }))

        for _ in 0..<6 {
            clock.advance(by: 30 * 60)
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        try await Task.sleep(nanoseconds: 500_000_000)
        #expect(pdEvents("trigger").count == 3, "nothing pages after the acknowledgement")
        #expect(ogCreates().count == 3)
        let timeline = try await parts.environment.store.read { try $0.timeline(IncidentID(id)) }
        let delivered = timeline.filter { $0.kind == .delivery && $0.text.contains("trigger") && $0.text.contains("delivered") }
        #expect(delivered.count == 6, "the timeline says who was paged where: \(delivered.map(\.text))")
    }
}
