import BridgeTestSupport
import BridgeChat
import BridgeCore
import BridgeServer
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
import BridgeAlerts

@Suite(.serialized) struct TeamsTests {
    /// The documentation's test secret (base64 of `fake-teams-outgoing-webhook-key!`).
    static let secret = "ZmFrZS10ZWFtcy1vdXRnb2luZy13ZWJob29rLWtleSE="

    struct Rig {
        let parts: BridgeServer.Parts
        let app: Application<RouterResponder<BasicRequestContext>>
        init(workflow: String = "http://127.0.0.1:9/workflow", clock: any BridgeClock = SystemClock()) throws {
            var config = try Fixtures.config("Examples/bridge.en.yaml")
            config.chat.platforms["teams"] = [
                "hmac_secret_env": "TEAMS_HMAC_SECRET", "workflow_url_env": "TEAMS_WORKFLOW_URL",
            ]
            config.chat.consoleEnabled = false
            config.people["suzuki"]?.handles["teams"] = "Alice Oncall"  // the label
            config.people["suzuki"]?.handles["teams_id"] = "00000000-0000-0000-0000-000000000002"  // the identity
            let settings = try PlatformSettings(
                config: config,
                environment: Fixtures.secrets([
                    "TEAMS_HMAC_SECRET": TeamsTests.secret,
                    "TEAMS_WORKFLOW_URL": workflow,
                ])
            )
            parts = try BridgeServer.parts(
                config: config,
                dbPath: Fixtures.tempDir() + "/t.sqlite",
                clock: clock,
                settings: settings,
                transport: CurlTransport(timeout: 5),
                templates: Fixtures.path("Templates"),
                logger: Logger(label: "test")
            )
            app = Application(router: BridgeServer.router(parts))
        }
    }

    /// HMAC as Microsoft's samples compute it, done by Python's hmac module (independent of our code).
    static func sign(_ body: Data) throws -> String {
        let file = Fixtures.tempDir() + "/body"
        try body.write(to: URL(fileURLWithPath: file))
        let r = try Peers.run(
            "/usr/bin/python3",
            [
                "-c",
                """
                import hmac, hashlib, base64, sys
                key = base64.b64decode(sys.argv[1]); body = open(sys.argv[2], 'rb').read()
                print('HMAC ' + base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode())
                """, secret, file,
            ]
        )
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func post(
        _ client: some TestClientProtocol,
        _ body: Data,
        auth: String?
    ) async throws -> (HTTPResponse.Status, [String: Any]) {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let auth { headers[.authorization] = auth }
        return try await client.execute(
            uri: "/teams/messages",
            method: .post,
            headers: headers,
            body: ByteBuffer(bytes: body)
        ) { r in
            (r.status, (try? JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any]) ?? [:])
        }
    }

    /// The documented request's own time (its `timestamp`).
    static let fixtureTime = ISO8601DateFormatter().date(from: "2023-11-14T22:18:20Z")!

    static func fixture() throws -> Data {
        try Data(
            contentsOf: URL(
                fileURLWithPath: Fixtures.path("Tests/Resources/teams-outgoing-webhook-request.json")
            )
        )
    }

    /// The documented request with another text and id, its time fields replaced by `time` (none when empty).
    static func activity(text: String, id: String = "1700000300000", time: [String: Any]? = nil) throws -> Data {
        var activity = try JSONSerialization.jsonObject(with: fixture()) as! [String: Any]
        activity["text"] = "<at>IncidentBot</at> " + text
        activity["id"] = id
        if let time {
            activity["timestamp"] = nil
            activity["localTimestamp"] = nil
            activity.merge(time) { $1 }
        }
        return try JSONSerialization.data(withJSONObject: activity)
    }

    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }

    @Test func documentedSignatureIsAcceptedAndWrongHMACRefused() async throws {
        let rig = try Rig(clock: ManualClock(Self.fixtureTime.addingTimeInterval(2)))
        let fixture = try Self.fixture()
        let header = try String(
            contentsOfFile: Fixtures.path("Tests/Resources/teams-outgoing-webhook-request.headers.txt"),
            encoding: .utf8
        )
        .split(separator: "\n").first { $0.hasPrefix("Authorization:") }!.dropFirst("Authorization: ".count)
        #expect(try Self.sign(fixture) == String(header))
        var declare = try JSONSerialization.jsonObject(with: fixture) as! [String: Any]
        declare["text"] = "<at>IncidentBot</at> declare db-outage sev1 Orders DB down"
        let declareBody = try JSONSerialization.data(withJSONObject: declare)
        try await rig.app.test(.router) { client in
            let (status, json) = try await Self.post(client, fixture, auth: String(header))
            #expect(status == .ok)
            #expect(json["type"] as? String == "message")
            #expect((json["text"] as? String)?.isEmpty == false)
            let (s2, j2) = try await Self.post(client, declareBody, auth: try Self.sign(declareBody))
            #expect(s2 == .ok)
            #expect((j2["text"] as? String)?.contains("declared") == true)
            let (s3, _) = try await Self.post(
                client,
                declareBody,
                auth: "HMAC AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
            )
            #expect(s3 == .unauthorized)
            let (s4, _) = try await Self.post(client, declareBody, auth: nil)
            #expect(s4 == .unauthorized)
        }
        let open = try await rig.parts.environment.store.read { try $0.openIncidents() }
        #expect(open.count == 1)
        #expect(open.first?.declaredBy == "suzuki")
    }

    /// A captured request replayed after its delivery id was purged (7 days), one from the future, and ones
    /// without a usable timestamp: each refused with 401 and one line, and nothing declared.
    @Test func replayedOrUndatedActivityIsRefused() async throws {
        let clock = ManualClock(Self.fixtureTime)
        let rig = try Rig(clock: clock)
        let declare = try Self.activity(text: "declare db-outage sev1 Orders DB down")
        try await rig.app.test(.router) { client in
            let (s1, j1) = try await Self.post(client, declare, auth: try Self.sign(declare))
            #expect(s1 == .ok)
            #expect((j1["text"] as? String)?.contains("declared") == true)
        }
        clock.advance(by: 7 * 86_400 + 3600)
        let purged = try await RetentionService(
            store: rig.parts.environment.store,
            retention: .init(),
            clock: clock,
            logger: Logger(label: "test")
        ).purgeOnce()
        #expect(purged.inbound == 1)
        let again = "declare db-outage sev1 Orders DB down again"
        let bodies: [(String, Data)] = [
            ("the captured request, 7 days later", declare),
            ("301 s in the future", try Self.activity(text: again, id: "2", time: ["timestamp": Self.iso(clock.now() + 301)])),
            ("301 s old", try Self.activity(text: again, id: "3", time: ["timestamp": Self.iso(clock.now() - 301)])),
            ("old local time", try Self.activity(text: again, id: "4", time: ["localTimestamp": Self.iso(clock.now() - 301)])),
            ("no timestamp", try Self.activity(text: again, id: "5", time: [:])),
            ("malformed", try Self.activity(text: again, id: "6", time: ["timestamp": "yesterday"])),
            ("absurd year", try Self.activity(text: again, id: "7", time: ["timestamp": "30000000000000000-01-01T00:00:00Z"])),
            ("a number", try Self.activity(text: again, id: "8", time: ["timestamp": 1_700_000_300])),
        ]
        try await rig.app.test(.router) { client in
            for (what, body) in bodies {
                let (status, raw) = try await client.execute(
                    uri: "/teams/messages",
                    method: .post,
                    headers: [.contentType: "application/json", .authorization: try Self.sign(body)],
                    body: ByteBuffer(bytes: body)
                ) { ($0.status, String(buffer: $0.body)) }
                #expect(status == .unauthorized, "\(what)")
                #expect(raw.split(separator: "\n").count == 1, "\(what): \(raw)")
            }
            // Inside the window, either way, a request is taken.
            for (id, offset) in [("9", -299.0), ("10", 299.0)] {
                let fresh = try Self.activity(text: "list", id: id, time: ["localTimestamp": Self.iso(clock.now() + offset)])
                let (status, _) = try await Self.post(client, fresh, auth: try Self.sign(fresh))
                #expect(status == .ok)
            }
        }
        let open = try await rig.parts.environment.store.read { try $0.openIncidents() }
        #expect(open.count == 1)
    }

    @Test func timestampsTeamsSendsAreRead() {
        #expect(TeamsWebhook.timestamp("2023-11-14T22:18:20.000Z") == Self.fixtureTime)
        #expect(TeamsWebhook.timestamp("2023-11-14T22:18:20.1013184Z") == Self.fixtureTime)
        #expect(TeamsWebhook.timestamp("2023-11-14T23:18:20.000+01:00") == Self.fixtureTime)
        #expect(TeamsWebhook.timestamp("2023-11-14T22:18:20Z") == Self.fixtureTime)
        for bad in ["", "2023-11-14T22:18:20.Z", "2023-11-14T22:18:20", "2023-11-14", "9999999-01-01T00:00:00Z"] {
            #expect(TeamsWebhook.timestamp(bad) == nil, "\(bad)")
        }
        // The dedup window is always longer than the accepted age.
        #expect(BridgeConfiguration.Retention().inbound.timeInterval > TeamsWebhook.replayWindow * 2)
    }

    @Test func proactivePostIsAnAdaptiveCardOnTheWorkflow() async throws {
        let sink = try Sink(status: 202, body: "")
        defer { sink.stop() }
        let rig = try Rig(workflow: sink.url + "/workflows/abc")
        let task = Task { try await rig.parts.dispatcher.run() }
        defer { task.cancel() }
        _ = await rig.parts.environment.service.handle(
            ChatCommand(
                platform: "teams",
                channel: "19:x",
                user: "00000000-0000-0000-0000-000000000002",
                text: "declare db-outage sev1 Orders DB down"
            )
        )
        let end = Date().addingTimeInterval(10)
        while Date() < end, sink.requests.isEmpty { try await Task.sleep(nanoseconds: 50_000_000) }
        #expect(sink.requests.count == 1)
        let body =
            try JSONSerialization.jsonObject(with: Data((sink.requests.first?["body"] as? String ?? "").utf8))
            as? [String: Any]
        #expect(body?["type"] as? String == "message")
        let attachment = (body?["attachments"] as? [[String: Any]])?.first
        #expect(attachment?["contentType"] as? String == "application/vnd.microsoft.card.adaptive")
        let card = attachment?["content"] as? [String: Any]
        #expect(card?["type"] as? String == "AdaptiveCard")
        let texts = (card?["body"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
        #expect(texts.first?.contains("MAJOR INCIDENT") == true)
        #expect(texts.contains { $0.contains("<at>Ken Sato</at>") || $0.contains("Sato Ken") })
    }
}
