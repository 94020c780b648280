import BridgeTestSupport
import BridgeCore
import Foundation
import Testing

/// Slack Socket Mode end to end: a real `serve` (no inbound Slack route) against the Socket Mode fake, which
/// speaks the documented wire format (held to slack_sdk's own SocketModeClient by `check_fakes.py`).
@Suite(.serialized) struct SocketModeTests {
    typealias P = SocketPeers
    static let suzuki = "U01SUZU0002"

    struct Rig {
        let dir: String
        let fake: P.Fake
        let serve: P.Serve
        let db: String
        var http: Int { fake.port("http") }
    }

    static func rig(fakeArgs: [String] = [], ports: (Int, Int)? = nil, dir: String = Fixtures.tempDir()) throws -> Rig {
        let fake = try P.Fake(
            "slack_socket.py",
            ["--http-port", String(ports?.0 ?? 0), "--ws-port", String(ports?.1 ?? 0), "--out", dir + "/slack.log", "--grace", "5"]
                + fakeArgs,
            dir: dir
        )
        let config = try P.config(
            dir: dir,
            chat: """
                  console: {enabled: false}
                  slack: {socket_mode: true, channel: C0INCIDENT, api_base: "http://127.0.0.1:\(fake.port("http"))/api"}

                """
        )
        let db = dir + "/bridge.sqlite"
        let serve = try P.Serve(
            config: config,
            db: db,
            dir: dir,
            environment: ["SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-1-test"]
        )
        return Rig(dir: dir, fake: fake, serve: serve, db: db)
    }

    static func openConnections(_ port: Int) async -> [Int] {
        ((try? await P.control(port, "/control/state")) as? [String: Any])?["open_connections"] as? [Int] ?? []
    }

    static func acks(_ port: Int) async throws -> [[String: Any]] {
        try await P.control(port, "/control/acks") as? [[String: Any]] ?? []
    }

    /// Sends a slash command envelope; returns its envelope id.
    static func slash(_ port: Int, _ text: String, user: String = suzuki, trigger: String = UUID().uuidString, envelopeID: String? = nil)
        async throws -> String
    {
        var body: [String: Any] = [
            "type": "slash_commands", "accepts_response_payload": true,
            "payload": [
                "token": "legacy", "team_id": "T0TEST", "team_domain": "test", "channel_id": "C0INCIDENT",
                "channel_name": "incidents", "user_id": user, "user_name": "whoever", "command": "/incident",
                "text": text, "api_app_id": "A0TEST", "is_enterprise_install": "false",
                "response_url": "http://127.0.0.1:\(port)/api/response/\(trigger)", "trigger_id": trigger,
            ],
        ]
        if let envelopeID { body["envelope_id"] = envelopeID }
        let r = try await P.control(port, "/control/envelope", body) as? [String: Any]
        return try #require(r?["envelope_id"] as? String)
    }

    static func ack(_ port: Int, _ id: String, within seconds: Double = 5) async throws -> [String: Any]? {
        var found: [String: Any]?
        _ = try await P.waitFor(seconds) {
            found = try await acks(port).first { $0["envelope_id"] as? String == id }
            return found != nil
        }
        return found
    }

    /// The fakes are held to the platforms' own clients first: slack_sdk's SocketModeClient and WebClient, and
    /// mattermostdriver (REST and its WebSocket), with every check printed.
    @Test func theFakesSpeakWhatTheOfficialClientsExpect() throws {
        let r = try Peers.run(Peers.venvPython, [Fixtures.path("scripts/peers/check_fakes.py")])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("ALL PASS"))
        #expect(!r.stdout.contains("FAIL "))
    }

    @Test func aSlashCommandOverTheSocketDeclaresAndTheAckCarriesTheAnswer() async throws {
        // The first apps.connections.open is rate-limited with Retry-After: 2.
        let started = Date()
        let rig = try Self.rig(fakeArgs: ["--retry-after", "2"])
        #expect(try await P.waitFor(20) { await !Self.openConnections(rig.http).isEmpty }, "connected")
        #expect(Date().timeIntervalSince(started) >= 2, "Retry-After honoured")
        let id = try await Self.slash(rig.http, "declare db-outage sev1 Orders DB down <!channel>")
        let ack = try #require(try await Self.ack(rig.http, id))
        let payload = try #require(ack["payload"] as? [String: Any])
        let text = try #require(payload["text"] as? String)
        #expect(text.contains("INC-"), "\(text)")
        #expect(payload["response_type"] as? String == "ephemeral")
        let sent = try #require(ack["sent_at"] as? Double)
        let received = try #require(ack["received_at"] as? Double)
        #expect(received - sent < 3, "acknowledged within Slack's 3 s")
        let incidents = try await P.incidents(rig.db)
        #expect(incidents.count == 1)
        let inc = try #require(incidents.first?.0)
        #expect(inc.declaredBy == "suzuki" && inc.origin == Destination(platform: "slack", channel: "C0INCIDENT"))
        // The declaration is posted to the channel through the Web API with the bot token.
        #expect(
            try await P.waitFor(10) {
                let requests = try await P.control(rig.http, "/control/requests") as? [[String: Any]] ?? []
                return requests.contains { r in
                    r["method"] as? String == "chat.postMessage"
                        && "\(r)".contains("C0INCIDENT") && "\(r)".contains(inc.id.rawValue)
                }
            },
            "declare post delivered to the channel"
        )
        // Same authorization as the HTTP routes: a member id not in `people` cannot resolve.
        let refused = try await Self.slash(rig.http, "resolve \(inc.id) done", user: "U0STRANGER")
        let refusal = try #require(try await Self.ack(rig.http, refused)?["payload"] as? [String: Any])["text"] as? String
        #expect(refusal?.isEmpty == false)
        #expect(try await P.incidents(rig.db).first?.0.state == .declared)
        // A button click over the socket acknowledges the incident; its answer goes to the response_url.
        let click: [String: Any] = [
            "type": "interactive",
            "payload": [
                "type": "block_actions", "user": ["id": Self.suzuki, "username": "suzuki"],
                "channel": ["id": "C0INCIDENT"], "trigger_id": "click-1",
                "response_url": "http://127.0.0.1:\(rig.http)/api/response/click-1",
                "actions": [["action_id": "incident_ack", "value": inc.id.rawValue, "action_ts": "1.2"]],
            ],
        ]
        let clickID = try #require((try await P.control(rig.http, "/control/envelope", click) as? [String: Any])?["envelope_id"] as? String)
        #expect(try await Self.ack(rig.http, clickID) != nil)
        #expect(try await P.waitFor(5) { try await P.incidents(rig.db).first?.0.state == .acknowledged })
        // The same click envelope twice at once (Slack re-sends before the first ack): acted on once.
        var update = click
        update["payload"] = [
            "type": "block_actions", "user": ["id": Self.suzuki], "channel": ["id": "C0INCIDENT"], "trigger_id": "click-2",
            "response_url": "http://127.0.0.1:\(rig.http)/api/response/click-2",
            "actions": [["action_id": "incident_update", "value": inc.id.rawValue, "action_ts": "2.3"]],
        ]
        update["envelope_id"] = "dup-envelope-1"
        let body = try JSONSerialization.data(withJSONObject: update)
        let port = rig.http
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    try await P.control(port, "/control/envelope", try JSONSerialization.jsonObject(with: body))
                }
            }
            try await group.waitForAll()
        }
        try await Task.sleep(nanoseconds: 2_000_000_000)
        let answers = (try await P.control(rig.http, "/control/requests") as? [[String: Any]] ?? [])
            .filter { ($0["path"] as? String ?? "").contains("click-2") }
        #expect(answers.count == 1, "one answer for a doubled envelope, got \(answers.count)")
        #expect(try await Self.acks(rig.http).filter { $0["envelope_id"] as? String == "dup-envelope-1" }.count == 2)
        // No inbound Slack route in Socket Mode.
        #expect(await rig.serve.status("/slack/commands") == 404)
        #expect(await rig.serve.health().text.contains("slack socket mode: connected since"))
    }

    @Test func aRefreshMidStreamLosesNoEnvelopeAndHandlesNoneTwice() async throws {
        let rig = try Self.rig()
        #expect(try await P.waitFor(20) { await !Self.openConnections(rig.http).isEmpty })
        var ids: [String] = []
        var triggers: [String] = []
        for i in 0..<30 {
            if i == 10 {
                try await P.control(rig.http, "/control/disconnect", ["reason": "refresh_requested"])
            }
            let trigger = "refresh-\(i)"
            triggers.append(trigger)
            ids.append(try await Self.slash(rig.http, "declare db-outage sev2 storm #\(i)", trigger: trigger))
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        // Slack re-sends an envelope (same envelope id) and a command (same trigger id, new envelope).
        let again = try await Self.slash(rig.http, "declare db-outage sev2 storm #5", trigger: triggers[5], envelopeID: ids[5])
        #expect(again == ids[5])
        let copy = try await Self.slash(rig.http, "declare db-outage sev2 storm #6", trigger: triggers[6])
        #expect(
            try await P.waitFor(20) {
                let acked = Set(try await Self.acks(rig.http).compactMap { $0["envelope_id"] as? String })
                return acked.isSuperset(of: ids + [copy])
            },
            "every envelope acknowledged"
        )
        let acks = try await Self.acks(rig.http)
        let connections = Set(acks.compactMap { $0["connection"] as? Int })
        #expect(connections.count >= 2, "acks came over both connections: \(connections)")
        let incidents = try await P.incidents(rig.db)
        #expect(incidents.count == 30, "one incident per command, none lost, none twice")
        let titles = incidents.map(\.0.title).sorted()
        #expect(Set(titles).count == 30)
        // The re-sent envelope got the first answer again.
        let fifth = acks.filter { $0["envelope_id"] as? String == ids[5] }.map {
            ($0["payload"] as? [String: Any])?["text"] as? String ?? ""
        }
        #expect(fifth.count == 2 && fifth[0] == fifth[1] && fifth[0].contains("INC-"), "\(fifth)")
        let state = try await P.control(rig.http, "/control/state") as? [String: Any]
        #expect((state?["opens"] as? Int ?? 0) >= 2)
    }

    @Test func theEndpointDownForTenSecondsIsReconnectedAndTheNextCommandActs() async throws {
        let ports = (Peers.freePort(), Peers.freePort())
        let dir = Fixtures.tempDir()
        let rig = try Self.rig(ports: ports, dir: dir)
        #expect(try await P.waitFor(20) { await !Self.openConnections(rig.http).isEmpty })
        rig.fake.kill9()
        try await Task.sleep(nanoseconds: 10_000_000_000)
        let down = await rig.serve.health()
        #expect(down.text.contains("slack socket mode: reconnecting since"), "\(down.text)")
        let fake = try P.Fake(
            "slack_socket.py",
            ["--http-port", String(ports.0), "--ws-port", String(ports.1), "--out", dir + "/slack2.log"],
            dir: dir
        )
        #expect(try await P.waitFor(40) { await !Self.openConnections(fake.port("http")).isEmpty }, "reconnected")
        let id = try await Self.slash(fake.port("http"), "declare db-outage sev1 after the outage")
        let text = try #require(try await Self.ack(fake.port("http"), id)?["payload"] as? [String: Any])["text"] as? String
        #expect(text?.contains("INC-") == true)
        #expect(try await P.incidents(rig.db).count == 1)
        #expect(await rig.serve.health().text.contains("connected since"))
    }

    @Test func linkDisabledStopsReconnectingWithAClearError() async throws {
        let rig = try Self.rig()
        #expect(try await P.waitFor(20) { await !Self.openConnections(rig.http).isEmpty })
        try await P.control(rig.http, "/control/disconnect", ["reason": "link_disabled"])
        #expect(try await P.waitFor(10) { await rig.serve.health().status == 503 })
        let health = await rig.serve.health()
        #expect(health.text.contains("slack socket mode: stopped: ") && health.text.contains("link_disabled"), "\(health.text)")
        func opens() async throws -> Int {
            (try await P.control(rig.http, "/control/requests") as? [[String: Any]] ?? [])
                .filter { $0["method"] as? String == "apps.connections.open" }.count
        }
        let before = try await opens()
        // Even when the link works again, a stopped connection stays stopped until an operator restarts.
        try await P.control(rig.http, "/control/link", ["enabled": true])
        try await Task.sleep(nanoseconds: 4_000_000_000)
        #expect(try await opens() == before, "no further apps.connections.open")
        #expect(await rig.serve.health().status == 503)
        #expect(rig.serve.stderr.contains("slack socket mode stopped"))
    }

    @Test func aWrongAppTokenIsRefusedAtStartAndByTheServer() async throws {
        let dir = Fixtures.tempDir()
        let config = try P.config(dir: dir, chat: "  slack: {socket_mode: true}\n")
        let db = dir + "/bridge.sqlite"
        let env = Fixtures.secrets(["SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xoxb-not-an-app-token"])
        let r = try CLI.run(["serve", "--config", config, "--db", db, "--port", String(Peers.freePort())], env: env)
        #expect(r.status == 2)
        let line = r.stderr.split(separator: "\n").last.map(String.init) ?? ""
        #expect(line.contains("chat.slack.app_token_env") && line.contains("xapp-"), "\(r.stderr)")
    }
}
