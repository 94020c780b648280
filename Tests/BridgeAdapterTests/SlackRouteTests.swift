import BridgeTestSupport
import BridgeChat
import BridgeCore
import BridgeServer
import BridgeTransport
import BridgeTesting
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import BridgePaging
import BridgeOperatingModel
import BridgeAlerts

@Suite(.serialized) struct SlackRouteTests {
    static let secret = "test-only-not-a-real-signing-secret"

    struct Rig {
        let parts: BridgeServer.Parts
        let app: Application<RouterResponder<BasicRequestContext>>

        init(apiBase: String = "http://127.0.0.1:9", clock: any BridgeClock = SystemClock()) throws {
            var config = try Fixtures.config("Examples/bridge.en.yaml")
            config.chat.platforms["slack"] = ["channel": "C0INCIDENTS", "api_base": apiBase]
            let settings = try PlatformSettings(
                config: config,
                environment: Fixtures.secrets([
                    "SLACK_SIGNING_SECRET": SlackRouteTests.secret, "SLACK_BOT_TOKEN": "xoxb-test-token",
                ])
            )
            parts = try BridgeServer.parts(
                config: config,
                dbPath: Fixtures.tempDir() + "/b.sqlite",
                clock: clock,
                settings: settings,
                transport: CurlTransport(timeout: 5),
                templates: Fixtures.path("Templates"),
                logger: Logger(label: "test")
            )
            app = Application(router: BridgeServer.router(parts))
        }

        func incidents() async throws -> [Incident] {
            try await parts.environment.store.read { try $0.openIncidents() }
        }
    }

    static func headers(_ pairs: [String: String]) -> HTTPFields {
        var h = HTTPFields()
        for (k, v) in pairs { h[HTTPField.Name(k)!] = v }
        h[.contentType] = "application/x-www-form-urlencoded"
        return h
    }

    static func commandBody(_ text: String, user: String = "U01SUZU0002", trigger: String = UUID().uuidString) -> String
    {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let t = text.addingPercentEncoding(withAllowedCharacters: allowed)!
        return "token=x&team_id=T1&team_domain=ex&channel_id=C0INCIDENTS&channel_name=incidents&user_id=\(user)"
            + "&user_name=suzuki&command=%2Fincident&text=\(t)&response_url=https%3A%2F%2Fhooks.slack.com%2Fx&trigger_id=\(trigger)"
    }

    @Test func signedCommandDeclaresWithinThreeSeconds() async throws {
        let rig = try Rig()
        let body = Self.commandBody("declare db-outage sev1 Orders DB unreachable")
        let now = Int(Date().timeIntervalSince1970)
        let signed = try Peers.slackSign(secret: Self.secret, body: body, timestamp: now)
        try await rig.app.test(.router) { client in
            let start = Date()
            try await client.execute(
                uri: "/slack/commands",
                method: .post,
                headers: Self.headers(signed),
                body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .ok)
                #expect(Date().timeIntervalSince(start) < 3)
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(json?["response_type"] as? String == "ephemeral")
                #expect((json?["text"] as? String)?.contains("declared") == true)
            }
        }
        let open = try await rig.incidents()
        #expect(open.count == 1)
        #expect(open.first?.declaredBy == "suzuki")
        #expect(open.first?.origin == Destination(platform: "slack", channel: "C0INCIDENTS"))
    }

    @Test func forgedOrStaleRequestsAreRefusedAndChangeNothing() async throws {
        let rig = try Rig()
        let body = Self.commandBody("declare db-outage sev1 Orders DB unreachable")
        let now = Int(Date().timeIntervalSince1970)
        let valid = try Peers.slackSign(secret: Self.secret, body: body, timestamp: now)
        let wrongSecret = try Peers.slackSign(secret: "another-secret", body: body, timestamp: now)
        let stale = try Peers.slackSign(secret: Self.secret, body: body, timestamp: now - 360)
        let tampered = body.replacingOccurrences(of: "sev1", with: "sev2")
        try await rig.app.test(.router) { client in
            for (headers, sent) in [(valid, tampered), (wrongSecret, body), (stale, body), ([:], body)] {
                try await client.execute(
                    uri: "/slack/commands",
                    method: .post,
                    headers: Self.headers(headers),
                    body: ByteBuffer(string: sent)
                ) { response in
                    #expect(response.status == .unauthorized)
                }
            }
            let big = String(repeating: "a", count: (1 << 20) + 10)
            // Too big for a command line: signed with our own signer, which the tests above check against slack_sdk.
            let signer = SlackSignature(secret: Self.secret)
            let bigSigned = [
                "X-Slack-Request-Timestamp": String(now),
                "X-Slack-Signature": signer.sign(timestamp: String(now), body: Data(big.utf8)),
            ]
            try await client.execute(
                uri: "/slack/commands",
                method: .post,
                headers: Self.headers(bigSigned),
                body: ByteBuffer(string: big)
            ) { response in
                #expect(response.status == .contentTooLarge)
            }
            let junk = "%zz=%%%"
            try await client.execute(
                uri: "/slack/commands",
                method: .post,
                headers: Self.headers(try Peers.slackSign(secret: Self.secret, body: junk, timestamp: now)),
                body: ByteBuffer(string: junk)
            ) { response in
                #expect(response.status == .badRequest)
            }
        }
        #expect(try await rig.incidents().isEmpty)
        #expect(try await rig.parts.environment.store.outboxCounts()["pending"] == 0)
    }

    @Test func buttonClickAcknowledgesOnceSecondClickChangesNothing() async throws {
        let rig = try Rig()
        let out = await rig.parts.environment.service.handle(
            ChatCommand(platform: "slack", channel: "C0FAKE0INC", user: "U01SUZU0002", text: "declare db-outage sev1 x")
        )
        let id = try #require(out.incidentID)
        // The captured block_actions payload, pointed at our incident and one of our people.
        var payload = try String(
            contentsOfFile: Fixtures.path("Tests/Resources/slack-block-actions.json"),
            encoding: .utf8
        )
        payload = payload.replacingOccurrences(of: "\"value\": \"INC-42\"", with: "\"value\": \"\(id)\"")
            .replacingOccurrences(of: "U0FAKE0001", with: "U01TAKA0003")
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        // A second click is a new interaction: new trigger_id and action_ts.
        let second = payload.replacingOccurrences(
            of: "1000000000002.1000000000001",
            with: "1000000000009.1000000000001"
        )
        .replacingOccurrences(of: "1700000123.456789", with: "1700000199.000001")
        let bodies = [payload, second].map { "payload=" + $0.addingPercentEncoding(withAllowedCharacters: allowed)! }
        try await rig.app.test(.router) { client in
            for body in bodies {
                let signed = try Peers.slackSign(
                    secret: Self.secret,
                    body: body,
                    timestamp: Int(Date().timeIntervalSince1970)
                )
                try await client.execute(
                    uri: "/slack/actions",
                    method: .post,
                    headers: Self.headers(signed),
                    body: ByteBuffer(string: body)
                ) { response in
                    #expect(response.status == .ok)
                }
            }
        }
        let (inc, timeline) = try await rig.parts.environment.store.read { r in
            (try r.incident(id)!, try r.timeline(id))
        }
        #expect(inc.state == .acknowledged)
        #expect(inc.acknowledgedBy == "takahashi")
        #expect(timeline.filter { $0.kind == .acknowledged }.count == 1)
        // Both clicks got a private answer through response_url; the second says who acknowledged when.
        let replies = try await rig.parts.environment.store.dueMessages(
            now: .distantFuture,
            platforms: ["slack_response"],
            limit: 10
        )
        #expect(replies.count == 1)  // head of the response_url queue
        let texts = try await rig.parts.environment.sqliteStore.writer.read { db in
            try String.fetchAll(db, sql: "SELECT text FROM outbox WHERE platform = 'slack_response' ORDER BY id")
        }
        #expect(texts.count == 2)
        #expect(texts[1].contains("already acknowledged by takahashi"))
    }
}
