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

@Suite(.serialized) struct MattermostRouteTests {
    static let token = "faketoken00000000000000000"
    static let fixtures = Fixtures.path("Tests/Resources")

    struct Rig {
        let parts: BridgeServer.Parts
        let app: Application<RouterResponder<BasicRequestContext>>
        init(url: String = "http://127.0.0.1:9") throws {
            var config = try Fixtures.config("Examples/bridge.en.yaml")
            config.chat.platforms["mattermost"] = ["url": url, "channel_id": "fakechannel000000000000000"]
            config.http.publicURL = "https://bot.example.test"
            config.people["suzuki"]?.handles["mattermost"] = "oncall.alice"  // the mention handle
            config.people["suzuki"]?.handles["mattermost_id"] = "fakeuser000000000000000000"  // the identity
            let settings = try PlatformSettings(
                config: config,
                environment: Fixtures.secrets([
                    "MATTERMOST_COMMAND_TOKEN": MattermostRouteTests.token, "MATTERMOST_BOT_TOKEN": "mm-bot-token",
                ])
            )
            parts = try BridgeServer.parts(
                config: config,
                dbPath: Fixtures.tempDir() + "/m.sqlite",
                settings: settings,
                transport: CurlTransport(timeout: 5),
                templates: Fixtures.path("Templates"),
                logger: Logger(label: "test")
            )
            app = Application(router: BridgeServer.router(parts))
        }
    }

    /// The captured request: headers and form body.
    static func capturedCommand(text: String) throws -> (HTTPFields, String) {
        let raw = try String(contentsOfFile: fixtures + "/mattermost-slash-command.form", encoding: .utf8)
        let parts = raw.components(separatedBy: "\n\n")
        var headers = HTTPFields()
        for line in parts[0].split(separator: "\n").dropFirst() {
            let kv = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if kv.count == 2, kv[0] != "Content-Length", kv[0] != "Host" { headers[HTTPField.Name(kv[0])!] = kv[1] }
        }
        let body = parts[1].replacingOccurrences(
            of: "text=declare+sev2+checkout+p99+latency+above+2s",
            with: "text=" + text
        )
        return (headers, body)
    }

    @Test func tokenCommandDeclaresAndForgedTokenIsRefused() async throws {
        let rig = try Rig()
        let (headers, body) = try Self.capturedCommand(text: "declare+db-outage+sev1+Orders+DB+down")
        try await rig.app.test(.router) { client in
            try await client.execute(
                uri: "/mattermost/commands",
                method: .post,
                headers: headers,
                body: ByteBuffer(string: body)
            ) { response in
                #expect(response.status == .ok)
                let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                #expect(json?["response_type"] as? String == "ephemeral")
                #expect((json?["text"] as? String)?.contains("declared") == true)
            }
            var forged = headers
            forged[.authorization] = "Token not-the-token"
            let forgedBody = body.replacingOccurrences(of: "token=\(Self.token)", with: "token=nope")
            try await client.execute(
                uri: "/mattermost/commands",
                method: .post,
                headers: forged,
                body: ByteBuffer(string: forgedBody)
            ) { response in
                #expect(response.status == .unauthorized)
            }
        }
        let open = try await rig.parts.environment.store.read { try $0.openIncidents() }
        #expect(open.count == 1)
        #expect(open.first?.declaredBy == "suzuki")
    }

    @Test func postBodyHasSignedButtonsAndActionAcknowledges() async throws {
        let rig = try Rig()
        let out = await rig.parts.environment.service.handle(
            ChatCommand(
                platform: "mattermost",
                channel: "fakechannel000000000000000",
                user: "fakeuser000000000000000000",
                text: "declare db-outage sev1 x"
            )
        )
        let id = try #require(out.incidentID)
        let poster = try #require(
            BridgeServer.posters(
                rig.parts.settings,
                config: rig.parts.environment.config,
                transport: CurlTransport()
            ).first { $0.platform == "mattermost" } as? MattermostPoster
        )
        let row = OutboxMessage(
            id: 7,
            incidentID: id,
            destination: .init(platform: "mattermost", channel: "fakechannel000000000000000"),
            kind: "declare",
            text: "t",
            createdAt: Date()
        )
        let body = poster.body(for: row)
        let attachments = try #require((body["props"] as? [String: Any])?["attachments"] as? [[String: Any]])
        let ack = try #require((attachments.first?["actions"] as? [[String: Any]])?.first)
        let integration = try #require(ack["integration"] as? [String: Any])
        #expect(integration["url"] as? String == "https://bot.example.test/mattermost/actions")
        let context = try #require(integration["context"] as? [String: Any])
        // The captured click, carrying the context our post gave the button.
        var click =
            try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/mattermost-post-action-request.json"))
            ) as! [String: Any]
        click["context"] = context
        var secondClick = click
        secondClick["trigger_id"] = "another-click"
        let clickBodies = [
            try JSONSerialization.data(withJSONObject: click), try JSONSerialization.data(withJSONObject: secondClick),
        ]
        var forgedClick = click
        forgedClick["context"] = ["action": "ack", "incident_id": id.rawValue, "sig": "00"]
        let forgedBody = try JSONSerialization.data(withJSONObject: forgedClick)
        try await rig.app.test(.router) { client in
            var headers = HTTPFields()
            headers[.contentType] = "application/json"
            try await client.execute(
                uri: "/mattermost/actions",
                method: .post,
                headers: headers,
                body: ByteBuffer(bytes: forgedBody)
            ) { response in
                #expect(response.status == .unauthorized)
            }
            // The same signed context clicked again (another trigger id) is a repeat: it acts once.
            for (expected, clickBody) in zip(["acknowledged", "Repeated delivery ignored"], clickBodies) {
                try await client.execute(
                    uri: "/mattermost/actions",
                    method: .post,
                    headers: headers,
                    body: ByteBuffer(bytes: clickBody)
                ) { response in
                    #expect(response.status == .ok)
                    let json = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                    #expect((json?["ephemeral_text"] as? String)?.contains(expected) == true)
                }
            }
        }
        let timeline = try await rig.parts.environment.store.read { try $0.timeline(id) }
        #expect(timeline.filter { $0.kind == .acknowledged }.count == 1)
    }

    @Test func postsGoToTheRESTAPIWithTheBotToken() async throws {
        let sink = try Sink(status: 201, body: #"{"id":"p1"}"#)
        defer { sink.stop() }
        let rig = try Rig(url: sink.url)
        let task = Task { try await rig.parts.dispatcher.run() }
        defer { task.cancel() }
        _ = await rig.parts.environment.service.handle(
            ChatCommand(
                platform: "mattermost",
                channel: "fakechannel000000000000000",
                user: "fakeuser000000000000000000",
                text: "declare db-outage sev1 x"
            )
        )
        let end = Date().addingTimeInterval(10)
        while Date() < end, sink.requests.isEmpty { try await Task.sleep(nanoseconds: 50_000_000) }
        let request = try #require(sink.requests.first)
        #expect(request["path"] as? String == "/api/v4/posts")
        #expect((request["headers"] as? [String: String])?["Authorization"] == "Bearer mm-bot-token")
        let body = try JSONSerialization.jsonObject(with: Data((request["body"] as! String).utf8)) as! [String: Any]
        #expect(body["channel_id"] as? String == "fakechannel000000000000000")
        #expect((body["message"] as? String)?.contains("@sato") == true)  // the A, in Mattermost's mention syntax
    }
}
