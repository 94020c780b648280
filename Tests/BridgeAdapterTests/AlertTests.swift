import BridgeTestSupport
import BridgeCore
import BridgeServer
import BridgeStore
import BridgeTransport
import BridgeTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import BridgePaging
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

@Suite(.serialized) struct AlertTests {
    static let firing = try! String(
        contentsOfFile: Fixtures.path("Tests/Resources/alertmanager-webhook-firing.json"),
        encoding: .utf8
    )
    static let resolved = try! String(
        contentsOfFile: Fixtures.path("Tests/Resources/alertmanager-webhook-resolved.json"),
        encoding: .utf8
    )

    struct Rig {
        let parts: BridgeServer.Parts
        let app: Application<RouterResponder<BasicRequestContext>>
        init(token: String? = nil, autoMitigate: Bool = false, clock: any BridgeClock = ManualClock()) throws {
            var config = try Fixtures.config("Examples/bridge.en.yaml")
            if autoMitigate { config.alertRoutes[0].autoMitigate = true }
            var env: [String: String] = [:]
            if let token {
                config.alertTokenEnv = "AM_TOKEN"
                env["AM_TOKEN"] = token
            } else {
                // `alerts.alertmanager.allow_unauthenticated: true` (serve starts this way only when told to).
                config.alertTokenEnv = nil
                config.alertsAllowUnauthenticated = true
            }
            let settings = try PlatformSettings(config: config, environment: env)
            parts = try BridgeServer.parts(
                config: config,
                dbPath: Fixtures.tempDir() + "/a.sqlite",
                clock: clock,
                settings: settings,
                transport: CurlTransport(),
                templates: Fixtures.path("Templates"),
                logger: Logger(label: "test")
            )
            app = Application(router: BridgeServer.router(parts))
        }
        func incidents() async throws -> [Incident] {
            try await parts.environment.store.read { try $0.incidents(declaredSince: .distantPast) }
        }
    }

    static func post(
        _ client: some TestClientProtocol,
        _ body: String,
        token: String? = nil
    ) async throws -> (HTTPResponse.Status, [String: Any]) {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await client.execute(
            uri: "/alerts/alertmanager",
            method: .post,
            headers: headers,
            body: ByteBuffer(string: body)
        ) { r in
            (r.status, (try? JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]) ?? [:])
        }
    }

    /// The reviewer reads which instance fired and recovered: alert entries name each new or resolved alert by
    /// its alert name, the labels that differ within the group and its summary; the fingerprints stay in brackets.
    @Test func alertEntriesNameTheInstancesThatFiredAndResolved() async throws {
        let rig = try Rig()
        var doc = try JSONSerialization.jsonObject(with: Data(Self.firing.utf8)) as! [String: Any]
        var alerts = doc["alerts"] as! [[String: Any]]
        var second = alerts[0]
        second["fingerprint"] = "c0ffee0000000002"
        second["labels"] = (second["labels"] as! [String: String]).merging(["instance": "db02:9100"]) { $1 }
        second["annotations"] = ["summary": "Disk almost full on db02"]
        alerts.append(second)
        doc["alerts"] = alerts
        let both = String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self)
        doc["status"] = "resolved"
        doc["alerts"] = alerts.map { a -> [String: Any] in
            var r = a
            r["status"] = "resolved"
            return r
        }
        let resolved = String(decoding: try JSONSerialization.data(withJSONObject: doc), as: UTF8.self)
        try await rig.app.test(.router) { client in
            let a1 = try await Self.post(client, Self.firing).1["action"] as? String
            let a2 = try await Self.post(client, both).1["action"] as? String
            let a3 = try await Self.post(client, resolved).1["action"] as? String
            #expect([a1, a2, a3] == ["declared", "noted", "resolved"])
        }
        let inc = try #require(try await rig.incidents().first)
        let entries = try await rig.parts.environment.store.read { try $0.timeline(inc.id) }.filter { $0.kind == .alert }
        #expect(entries.map(\.text) == [
            "1 alert(s) firing: DiskFull instance=db01:9100: Disk almost full on db01 [b3cdf832dd4b7a15] "
                + "[alertname=DiskFull instance=db01:9100 service=db severity=critical]",
            "1 new alert(s) firing (2 in all): DiskFull instance=db02:9100: Disk almost full on db02 [c0ffee0000000002]",
            "alerts resolved: DiskFull instance=db01:9100: Disk almost full on db01; "
                + "DiskFull instance=db02:9100: Disk almost full on db02 [b3cdf832dd4b7a15, c0ffee0000000002]",
        ])
        let md = TimelineExporter(config: rig.parts.environment.config).markdown(inc, entries)
        #expect(md.contains("instance=db01:9100") && md.contains("instance=db02:9100: Disk almost full on db02"))
    }

    /// A repeated notification (a new delivery of the same firing alerts) names no alert twice; the store looks
    /// the fingerprints up instead of reading the timeline.
    @Test func repeatedNotificationsNameEachAlertOnce() async throws {
        let rig = try Rig()
        // Alertmanager re-sends a group at repeat_interval: another body (another delivery key), same alerts.
        let again = Self.firing.replacingOccurrences(of: "\"version\"", with: "\"truncatedAlerts\":0,\"version\"")
        #expect(again != Self.firing)
        let second = Self.firing.replacingOccurrences(of: "b3cdf832dd4b7a15", with: "c0ffee0000000002")
            .replacingOccurrences(of: "db01:9100", with: "db02:9100")
        try await rig.app.test(.router) { client in
            for body in [Self.firing, again, second, second + " "] {
                let action = try await Self.post(client, body).1["action"] as? String
                #expect(action == (body == Self.firing ? "declared" : "noted"))
            }
        }
        let inc = try #require(try await rig.incidents().first)
        let texts = try await rig.parts.environment.store.read { try $0.timeline(inc.id) }.filter { $0.kind == .alert }
            .map(\.text)
        #expect(texts.count == 4)
        #expect(texts[1] == "1 alert(s) still firing, none new")
        #expect(texts[2].hasPrefix("1 new alert(s) firing (1 in all): DiskFull instance=db02:9100"))
        #expect(texts[3] == "1 alert(s) still firing, none new")
        let known = try await rig.parts.environment.store.read {
            try $0.knownAlerts(inc.id, among: ["b3cdf832dd4b7a15", "c0ffee0000000002", "ffff"])
        }
        #expect(known == ["b3cdf832dd4b7a15", "c0ffee0000000002"])
    }

    @Test func oneIncidentPerGroupNotesAndResolution() async throws {
        let rig = try Rig(autoMitigate: true)
        try await rig.app.test(.router) { client in
            let (s1, j1) = try await Self.post(client, Self.firing)
            #expect(s1 == .ok)
            #expect(j1["action"] as? String == "declared")
            // The identical delivery again (Alertmanager retry): ignored.
            do {
                let v = try await Self.post(client, Self.firing).1["action"] as? String
                #expect(v == "duplicate")
            }
            // A second alert of the same group: a note, not an incident.
            let second = Self.firing.replacingOccurrences(of: "b3cdf832dd4b7a15", with: "c0ffee0000000002")
                .replacingOccurrences(of: "db01:9100", with: "db02:9100")
            do {
                let v = try await Self.post(client, second).1["action"] as? String
                #expect(v == "noted")
            }
            let (s3, j3) = try await Self.post(client, Self.resolved)
            #expect(s3 == .ok)
            #expect(j3["action"] as? String == "mitigated")
        }
        let incidents = try await rig.incidents()
        #expect(incidents.count == 1)
        let inc = try #require(incidents.first)
        #expect(inc.eventType == "db-outage")
        #expect(inc.severity == "sev1")
        #expect(inc.title == "Disk almost full on db01")
        #expect(inc.state == .mitigated)
        let timeline = try await rig.parts.environment.store.read { try $0.timeline(inc.id) }
        #expect(timeline.filter { $0.kind == .alert }.count == 3)
        let post = try #require(
            try await rig.parts.environment.store.dueMessages(now: .distantFuture, platforms: ["console"], limit: 1)
                .first
        )
        #expect(post.text.contains("Alert: Disk almost full on db01"))
        #expect(post.text.contains("http://127.0.0.1:9090/graph?g0.expr=disk_free"))
        #expect(post.text.contains("http://runbooks.local/disk"))
    }

    @Test func badInputIsRefusedAndRecordsNothing() async throws {
        let rig = try Rig(token: "am-secret")
        try await rig.app.test(.router) { client in
            do {
                let v = try await Self.post(client, Self.firing).0
                #expect(v == .unauthorized)
            }
            do {
                let v = try await Self.post(client, Self.firing, token: "wrong").0
                #expect(v == .unauthorized)
            }
            do {
                let v = try await Self.post(client, "{not json", token: "am-secret").0
                #expect(v == .badRequest)
            }
            do {
                let v = try await Self.post(
                    client,
                    #"{"version":"3","groupKey":"x","status":"firing","alerts":[]}"#,
                    token: "am-secret"
                ).0
                #expect(v == .badRequest)
            }
            do {
                let v = try await Self.post(client, String(repeating: " ", count: (1 << 20) + 1), token: "am-secret").0
                #expect(v == .contentTooLarge)
            }
        }
        #expect(try await rig.incidents().isEmpty)
    }

    @Test func alertInsideMaintenanceWindowIsRecordedNotPaged() async throws {
        // 2026-12-11 23:30 JST is inside the 2nd-Friday window.
        let clock = ManualClock(ISO8601DateFormatter().date(from: "2026-12-11T14:30:00Z")!)
        var config = try Fixtures.config("Examples/bridge.en.yaml")
        config.paging.channels["pagerduty"] = ["api_base": "http://127.0.0.1:9"]
        let settings = try PlatformSettings(config: config, environment: Fixtures.secrets(["PAGERDUTY_ROUTING_KEY": "k"]))
        let parts = try BridgeServer.parts(
            config: config,
            dbPath: Fixtures.tempDir() + "/m.sqlite",
            clock: clock,
            settings: settings,
            transport: CurlTransport(),
            templates: Fixtures.path("Templates"),
            logger: Logger(label: "t")
        )
        let n = try AlertmanagerNotification.decode(Data(Self.firing.utf8)).get()
        let outcome = try await parts.environment.service.ingest(n.signal, deliveryKey: nil)
        let id = try #require(outcome.incidentID)
        let inc = try #require(try await parts.environment.store.read { try $0.incident(id) })
        #expect(inc.maintenanceWindow != nil)
        #expect(
            try await parts.environment.store.dueMessages(now: .distantFuture, platforms: ["pagerduty"], limit: 10)
                .isEmpty
        )
        // A human declaring in the window still pages.
        _ = await parts.environment.run("/incident declare batch-failure sev1 nightly batch failed")
        #expect(
            try await parts.environment.store.dueMessages(now: .distantFuture, platforms: ["pagerduty"], limit: 10)
                .count == 1
        )
    }
}
