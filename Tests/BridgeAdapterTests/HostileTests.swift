import BridgeTestSupport
import BridgeChat
import BridgeCore
import BridgeOperatingModel
import BridgeServer
import BridgeTesting
import BridgeTransport
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The bot as an outsider would attack it, through the real routes (Slack signed by slack_sdk, Mattermost's
/// command token, Teams' HMAC, the alert route's bearer token) and the real posters delivering over libcurl to
/// a loopback sink per platform: refused commands change nothing, and no text a person or an alert wrote
/// reaches any platform as a live mention, link, image or line of its own.
@Suite(.serialized) struct HostileTests {
    static let slackSecret = "hostile-test-signing-secret"
    static let mmToken = "hostile-mm-command-token"
    static let teamsSecret = Data("hostile-teams-secret-0123456789".utf8).base64EncodedString()
    static let incidents = "C0INCIDENTS"
    static let mmChannel = "mmincidents000000000000000"
    static let room = "!incidents:example.org"

    /// Stable ids of the example people (Examples/bridge.en.yaml).
    static let suzukiSlack = "U01SUZU0002"  // ops lead: R of db-outage
    static let satoSlack = "U01SATO0001"  // business owner: A of db-outage
    static let nakamuraSlack = "U01NAKA0008"  // security: I of db-outage
    static let tanakaSlack = "U02TANA0004"  // vendor PM: C of db-outage
    static let watanabeSlack = "U03WATA0006"  // cloud ops: no A anywhere

    struct Rig: @unchecked Sendable {
        let parts: BridgeServer.Parts
        let app: Application<RouterResponder<BasicRequestContext>>
        let sink: Sink
        let dispatcher: Task<Void, Error>

        init() throws {
            sink = try Sink()
            var config = try Fixtures.config("Examples/bridge.en.yaml")
            config.chat.consoleEnabled = false
            config.chat.platforms = [
                "slack": ["channel": HostileTests.incidents, "api_base": sink.url + "/slack"],
                "mattermost": ["url": sink.url + "/mm", "channel_id": HostileTests.mmChannel],
                "matrix": ["homeserver": sink.url + "/matrix", "rooms": HostileTests.room],
                "teams": ["hmac_secret_env": "TEAMS_HMAC_SECRET", "workflow_url_env": "TEAMS_WORKFLOW_URL"],
                "webhook": ["url_env": "CHAT_WEBHOOK_URL"],
            ]
            config.http.publicURL = "https://bot.example.test"
            let settings = try PlatformSettings(
                config: config,
                environment: Fixtures.secrets([
                    "SLACK_SIGNING_SECRET": HostileTests.slackSecret, "SLACK_BOT_TOKEN": "xoxb-hostile",
                    "MATTERMOST_COMMAND_TOKEN": HostileTests.mmToken, "MATTERMOST_BOT_TOKEN": "mm-bot",
                    "MATRIX_ACCESS_TOKEN": "syt-hostile", "TEAMS_HMAC_SECRET": HostileTests.teamsSecret,
                    "TEAMS_WORKFLOW_URL": sink.url + "/teams", "CHAT_WEBHOOK_URL": sink.url + "/webhook",
                ])
            )
            let parts = try BridgeServer.parts(
                config: config,
                dbPath: Fixtures.tempDir() + "/h.sqlite",
                settings: settings,
                transport: CurlTransport(connectTimeout: 2, timeout: 5),
                templates: Fixtures.path("Templates"),
                logger: Logger(label: "hostile")
            )
            self.parts = parts
            app = Application(router: BridgeServer.router(parts))
            dispatcher = Task { try await parts.dispatcher.run() }
        }

        func stop() {
            dispatcher.cancel()
            sink.stop()
        }

        /// Everything a refused command must leave as it was.
        func state() async throws -> String {
            let store = parts.environment.store
            let text = try await store.read { r -> String in
                let incidents = try r.incidents(declaredSince: .distantPast).sorted { $0.id.rawValue < $1.id.rawValue }
                var out = ""
                for i in incidents {
                    out += "\(i.id) \(i.state) R=\(i.responsible) A=\(i.accountable) \(i.assignments.sorted { $0.key < $1.key })\n"
                    out += try r.timeline(i.id).map { "  \($0.kind) \($0.actor) \($0.text)" }.joined(separator: "\n") + "\n"
                }
                out += "drills=\(try r.drills().count) changes=\(try r.changes(since: .distantPast).count)\n"
                return out
            }
            return text + "outbox=\(try await store.outboxCounts().values.reduce(0, +))"
        }

        func open() async throws -> [Incident] { try await parts.environment.store.read { try $0.openIncidents() } }
    }

    // MARK: - Requests through the real routes

    static func form(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
            .joined(separator: "&")
    }

    /// A Slack slash command signed by slack_sdk's SignatureVerifier-compatible signer; returns the reply text.
    static func slack(_ client: some TestClientProtocol, _ text: String, user: String, channel: String = incidents)
        async throws -> String
    {
        let body = form([
            ("token", "x"), ("team_id", "T1"), ("channel_id", channel), ("user_id", user), ("user_name", "whoever"),
            ("command", "/incident"), ("text", text), ("trigger_id", UUID().uuidString),
        ])
        let signed = try Peers.slackSign(secret: slackSecret, body: body, timestamp: Int(Date().timeIntervalSince1970))
        var h = HTTPFields()
        for (k, v) in signed { h[HTTPField.Name(k)!] = v }
        h[.contentType] = "application/x-www-form-urlencoded"
        return try await client.execute(uri: "/slack/commands", method: .post, headers: h, body: ByteBuffer(string: body)) {
            #expect($0.status == .ok)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: $0.body)) as? [String: Any]
            return json?["text"] as? String ?? ""
        }
    }

    /// A Mattermost slash command with the command token; `userName` is what the user calls themselves.
    static func mattermost(_ client: some TestClientProtocol, _ text: String, userID: String, userName: String)
        async throws -> String
    {
        let body = form([
            ("channel_id", mmChannel), ("command", "/incident"), ("text", text), ("token", mmToken),
            ("trigger_id", UUID().uuidString), ("user_id", userID), ("user_name", userName),
        ])
        var h = HTTPFields()
        h[.contentType] = "application/x-www-form-urlencoded"
        h[.authorization] = "Token \(mmToken)"
        return try await client.execute(uri: "/mattermost/commands", method: .post, headers: h, body: ByteBuffer(string: body)) {
            #expect($0.status == .ok)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: $0.body)) as? [String: Any]
            return json?["text"] as? String ?? ""
        }
    }

    /// A Teams outgoing-webhook message, HMAC-signed with the security token.
    static func teams(_ client: some TestClientProtocol, _ text: String, name: String, aad: String?) async throws -> String {
        var from: [String: Any] = ["id": "29:hostile", "name": name]
        if let aad { from["aadObjectId"] = aad }
        let activity: [String: Any] = [
            "type": "message", "id": UUID().uuidString, "text": "<at>IncidentBot</at> \(text)", "from": from,
            "conversation": ["id": "19:teamschannel@thread.skype"],
            "timestamp": ISO8601DateFormatter().string(from: Date()),
        ]
        let body = try JSONSerialization.data(withJSONObject: activity)
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(base64Encoded: teamsSecret)!))
        var h = HTTPFields()
        h[.contentType] = "application/json"
        h[.authorization] = "HMAC " + Data(mac).base64EncodedString()
        return try await client.execute(uri: "/teams/messages", method: .post, headers: h, body: ByteBuffer(data: body)) {
            #expect($0.status == .ok)
            let json = try JSONSerialization.jsonObject(with: Data(buffer: $0.body)) as? [String: Any]
            return json?["text"] as? String ?? ""
        }
    }

    static func mattermostClick(_ client: some TestClientProtocol, context: [String: Any], channel: String, user: String)
        async throws -> HTTPResponse.Status
    {
        let click: [String: Any] = [
            "user_id": user, "user_name": "sato", "channel_id": channel, "trigger_id": UUID().uuidString,
            "context": context,
        ]
        var h = HTTPFields()
        h[.contentType] = "application/json"
        return try await client.execute(
            uri: "/mattermost/actions",
            method: .post,
            headers: h,
            body: ByteBuffer(data: try JSONSerialization.data(withJSONObject: click))
        ) { $0.status }
    }

    static func alert(_ client: some TestClientProtocol, _ body: String, token: String?) async throws -> HTTPResponse.Status {
        var h = HTTPFields()
        h[.contentType] = "application/json"
        if let token { h[.authorization] = "Bearer \(token)" }
        return try await client.execute(uri: "/alerts/alertmanager", method: .post, headers: h, body: ByteBuffer(string: body)) {
            $0.status
        }
    }

    // MARK: - Authorization

    @Test func refusedCommandsChangeNothingOnAnyPlatform() async throws {
        let rig = try Rig()
        defer { rig.stop() }
        try await rig.app.test(.router) { client in
            let declared = try await Self.slack(client, "declare db-outage sev1 Orders DB down", user: Self.suzukiSlack)
            #expect(declared.contains("INC-"), "\(declared)")
            let id = try #require(try await rig.open().first?.id.rawValue)
            let before = try await rig.state()

            // Each attempt is refused with one line and leaves every row as it was.
            let attempts: [(String, () async throws -> String)] = [
                ("unknown Slack user resolves", { try await Self.slack(client, "resolve \(id) done", user: "U0EVIL0001") }),
                ("unknown Slack user declares", { try await Self.slack(client, "declare db-outage sev1 x", user: "U0EVIL0001") }),
                ("known, not R/A: resolve", { try await Self.slack(client, "resolve \(id) done", user: Self.nakamuraSlack) }),
                ("known, not R/A: close", { try await Self.slack(client, "close \(id)", user: Self.tanakaSlack) }),
                ("C takes A", { try await Self.slack(client, "assign \(id) A @tanaka", user: Self.tanakaSlack) }),
                ("I takes R (then could resolve)", {
                    try await Self.slack(client, "assign \(id) R @nakamura", user: Self.nakamuraSlack)
                }),
                ("stranger probes who is in the config", {
                    try await Self.slack(client, "assign \(id) comms sato@example.com", user: "U0EVIL0001")
                }),
                ("R makes themselves commander", { try await Self.slack(client, "assign \(id) commander @suzuki", user: Self.suzukiSlack) }),
                ("no A anywhere: drill", { try await Self.slack(client, "drill restore ok 30", user: Self.watanabeSlack) }),
                ("no A anywhere: change", { try await Self.slack(client, "change deploy-42 success", user: Self.watanabeSlack) }),
                ("R resolves from another channel without an id", {
                    try await Self.slack(client, "resolve done", user: Self.suzukiSlack, channel: "C0RANDOM")
                }),
                ("stranger reads the timeline elsewhere", {
                    try await Self.slack(client, "timeline \(id)", user: "U0EVIL0001", channel: "C0RANDOM")
                }),
                ("stranger lists elsewhere", { try await Self.slack(client, "list", user: "U0EVIL0001", channel: "C0RANDOM") }),
                ("Mattermost user renamed to sato takes A", {
                    try await Self.mattermost(client, "assign \(id) A @sato", userID: "evil0000000000000000000000", userName: "sato")
                }),
                ("Mattermost user renamed to sato resolves", {
                    try await Self.mattermost(client, "resolve \(id) done", userID: "evil0000000000000000000000", userName: "sato")
                }),
                ("Teams display name Sato Ken without his AAD id", {
                    try await Self.teams(client, "resolve \(id) done", name: "Sato Ken", aad: "ffffffff-0000-0000-0000-000000000000")
                }),
                ("Teams without an AAD id", { try await Self.teams(client, "resolve \(id) done", name: "Sato Ken", aad: nil) }),
            ]
            for (what, attempt) in attempts {
                let reply = try await attempt()
                #expect(!reply.isEmpty && !reply.contains("\n"), "\(what): \(reply)")
                #expect(try await rig.state() == before, "\(what) changed something: \(reply)")
            }

            // Forged, replayed and expired button clicks: 401, nothing changes.
            let key = Self.mmToken
            let expires = Int(Date().timeIntervalSince1970) + 3600
            func context(_ action: String, channel: String, expires: Int, sig: String? = nil) -> [String: Any] {
                [
                    "action": action, "incident_id": id, "channel_id": channel, "expires": expires,
                    "sig": sig
                        ?? MattermostPoster.contextSignature(
                            key: key,
                            action: action,
                            incident: id,
                            channel: channel,
                            expires: expires
                        ),
                ]
            }
            let satoMM = try #require(rig.parts.environment.config.people["sato"]?.handles["mattermost_id"])
            let clicks: [(String, [String: Any], String)] = [
                ("bad signature", context("resolve", channel: Self.mmChannel, expires: expires, sig: "00"), Self.mmChannel),
                ("old v1 signature", ["action": "resolve", "incident_id": id, "sig": "ab"], Self.mmChannel),
                ("replayed into another channel", context("resolve", channel: Self.mmChannel, expires: expires), "otherchannel00000000000000"),
                ("expired", context("resolve", channel: Self.mmChannel, expires: Int(Date().timeIntervalSince1970) - 1), Self.mmChannel),
                ("expiry moved", {
                    var c = context("resolve", channel: Self.mmChannel, expires: expires)
                    c["expires"] = expires + 86_400
                    return c
                }(), Self.mmChannel),
            ]
            for (what, ctx, channel) in clicks {
                let status = try await Self.mattermostClick(client, context: ctx, channel: channel, user: satoMM)
                #expect(status == .unauthorized, "\(what): \(status)")
                #expect(try await rig.state() == before, "\(what) changed something")
            }
            // A genuine button clicked by someone who may not resolve: accepted as a click, refused as a command.
            let genuine = context("ack", channel: Self.mmChannel, expires: expires)
            #expect(try await Self.mattermostClick(client, context: genuine, channel: Self.mmChannel, user: "evil0000000000000000000000") == .ok)
            #expect(try await rig.state() == before)
            // Clicked once by someone allowed, then replayed with another user's id: the context acts once.
            let suzukiMM = try #require(rig.parts.environment.config.people["suzuki"]?.handles["mattermost_id"])
            #expect(try await Self.mattermostClick(client, context: genuine, channel: Self.mmChannel, user: suzukiMM) == .ok)
            #expect(try await rig.open().first?.state == .acknowledged)
            let acked = try await rig.state()
            #expect(try await Self.mattermostClick(client, context: genuine, channel: Self.mmChannel, user: satoMM) == .ok)
            #expect(try await rig.state() == acked, "a replayed click acted again")

            // The alert route without or with a wrong token: 401, nothing changes.
            let resolved = try String(contentsOfFile: Fixtures.path("Tests/Resources/alertmanager-webhook-resolved.json"), encoding: .utf8)
            #expect(try await Self.alert(client, resolved, token: nil) == .unauthorized)
            #expect(try await Self.alert(client, resolved, token: "guess") == .unauthorized)
            #expect(try await rig.state() == acked)

            // Refusals are counted in /metrics, which needs the read token once one is configured.
            #expect(try await client.execute(uri: "/metrics", method: .get) { $0.status } == .unauthorized)
            var auth = HTTPFields()
            auth[.authorization] = "Bearer \(Fixtures.readToken)"
            let metrics = try await client.execute(uri: "/metrics", method: .get, headers: auth) { String(buffer: $0.body) }
            #expect(metrics.contains("incident_bridge_commands_refused_total{verb=\"resolve\",platform=\"slack\"}"), "\(metrics.prefix(400))")
            #expect(metrics.contains("platform=\"mattermost\""))
            #expect(metrics.contains("platform=\"teams\""))

            // The right people still decide (so the refusals above are about who, not a broken route).
            let satoReply = try await Self.slack(client, "assign \(id) commander @sato", user: Self.satoSlack)
            #expect(try await rig.open().first?.assignments["commander"] == "sato", "\(satoReply)")
            let satoTeams = try #require(rig.parts.environment.config.people["sato"]?.handles["teams_id"])
            _ = try await Self.teams(client, "update \(id) failing over", name: "whatever name", aad: satoTeams)
            #expect(try await rig.parts.environment.store.read { try $0.timeline(IncidentID(id)) }.contains { $0.kind == .update && $0.actor == "sato" })
            _ = try await Self.slack(client, "resolve \(id) failover done", user: Self.suzukiSlack)
            #expect(try await rig.open().isEmpty)
        }
    }

    @Test func withoutAnIdAStateChangeActsOnlyInTheIncidentsChannel() async throws {
        let rig = try Rig()
        defer { rig.stop() }
        try await rig.app.test(.router) { client in
            _ = try await Self.slack(client, "declare db-outage sev1 Orders DB down", user: Self.suzukiSlack)
            let before = try await rig.state()
            let elsewhere = try await Self.slack(client, "ack", user: Self.suzukiSlack, channel: "C0RANDOM")
            #expect(elsewhere.contains("name one"), "\(elsewhere)")
            #expect(try await rig.state() == before)
            let shown = try await Self.slack(client, "show", user: "U0EVIL0001", channel: "C0RANDOM")
            #expect(!shown.contains("Orders"), "\(shown)")
            // In the incident's channel the id may be left out, and strangers may read there.
            _ = try await Self.slack(client, "ack", user: Self.suzukiSlack)
            #expect(try await rig.open().first?.state == .acknowledged)
            let read = try await Self.slack(client, "show", user: "U0EVIL0001")
            #expect(read.contains("Orders"), "\(read)")

            // Teams answers in the channel for all to read: the incident declared there is acted on without an
            // id; another incident's timeline is not shown there, even to its R.
            let config = rig.parts.environment.config
            let satoTeams = try #require(config.people["sato"]?.handles["teams_id"])
            let suzukiTeams = try #require(config.people["suzuki"]?.handles["teams_id"])
            let slackIncident = try #require(try await rig.open().first?.id.rawValue)
            let declared = try await Self.teams(client, "declare db-outage sev1 Payments down", name: "x", aad: satoTeams)
            #expect(declared.contains("INC-"), "\(declared)")
            _ = try await Self.teams(client, "ack", name: "x", aad: suzukiTeams)
            #expect(try await rig.open().filter { $0.state == .acknowledged }.count == 2)
            let leak = try await Self.teams(client, "timeline \(slackIncident)", name: "x", aad: suzukiTeams)
            #expect(!leak.contains("Orders"), "\(leak)")
            let list = try await Self.teams(client, "list", name: "x", aad: suzukiTeams)
            #expect(list.contains("Payments") && !list.contains("Orders"), "\(list)")
        }
    }

    // MARK: - Escaping

    static let corpus = [
        "<!channel>", "<!here>", "@channel", "@all", "@here", "@room", "<https://evil.example|x>",
        "[x](https://evil.example)", "![t](https://evil.example/t.png)", "<img src=x>", "<at>Evil</at>",
        "# Heading", "a\r\nBridge: +1-555-0100", "=HYPERLINK(\"https://evil.example\")", "\nBridge: +1-555-0199",
    ]
    static let injected = corpus.joined(separator: " ")

    /// What each platform received, as the text it renders.
    static func delivered(_ sink: Sink) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for r in sink.requests {
            let path = r["path"] as? String ?? ""
            let body = r["body"] as? String ?? ""
            guard let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { continue }
            if path.hasPrefix("/slack") {
                out["slack", default: []].append(json["text"] as? String ?? "")
                let blocks = (try? JSONSerialization.data(withJSONObject: json["blocks"] ?? [])) ?? Data()
                out["slack", default: []].append(String(decoding: blocks, as: UTF8.self))
            } else if path.hasPrefix("/mm") {
                out["mattermost", default: []].append(json["message"] as? String ?? "")
            } else if path.hasPrefix("/matrix") {
                out["matrix", default: []].append(json["body"] as? String ?? "")
                out["matrix-html", default: []].append(json["formatted_body"] as? String ?? "")
            } else if path.hasPrefix("/teams") {
                let cards = ((json["attachments"] as? [[String: Any]]) ?? []).compactMap { $0["content"] as? [String: Any] }
                let texts = cards.flatMap { ($0["body"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String } }
                out["teams", default: []].append(texts.joined(separator: "\n"))
            } else if path.hasPrefix("/webhook") {
                out["webhook", default: []].append(json["text"] as? String ?? "")
            }
        }
        return out
    }

    /// The live markup a platform would act on in `text`, if any (what the bot itself puts there excluded).
    static func live(_ platform: String, _ text: String) -> [String] {
        var found: [String] = []
        func has(_ pattern: String) {
            if text.range(of: pattern, options: .regularExpression) != nil { found.append(pattern) }
        }
        has(#"(?m)^\s*Bridge: \+1-555"#)  // a fake bridge line of its own
        has(#"://evil"#)  // a bare URL from a person or an alert: every platform autolinks it
        switch platform {
        case "slack":
            has(#"<!"#)
            has(#"<(?!@U[A-Z0-9]+>)[^ ]"#)  // any tag but the bot's own <@U…> mentions
        case "mattermost", "webhook", "teams":
            has(#"@(channel|all|here|room)"#)
            has(#"\]\("#)
            has(#"!\["#)
            has(#"<(img|https?|!)"#)
            has(#"(?m)^\s*#"#)
            if platform == "teams" { has(#"<at>Evil"#) }
        case "matrix":
            has(#"@room"#)
        case "matrix-html":
            has(#"@room"#)
            has(#"<img"#)
            has(#"<a (?!href="https://matrix\.to/#/@)"#)
            has(#"<at>"#)
        default: break
        }
        return found
    }

    @Test func injectionCorpusReachesNoPlatformLive() async throws {
        let rig = try Rig()
        defer { rig.stop() }
        try await rig.app.test(.router) { client in
            // A title from Slack, a note from Mattermost, an alert's labels and annotations from Alertmanager.
            _ = try await Self.slack(client, "declare db-outage sev1 \(Self.injected)", user: Self.suzukiSlack)
            let id = try #require(try await rig.open().first?.id.rawValue)
            let satoMM = try #require(rig.parts.environment.config.people["sato"]?.handles["mattermost_id"])
            _ = try await Self.mattermost(client, "note \(id) \(Self.injected)", userID: satoMM, userName: "sato")
            _ = try await Self.slack(client, "update \(id) \(Self.injected)", user: Self.suzukiSlack)
            var alert = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("Tests/Resources/alertmanager-webhook-firing.json")))
            ) as! [String: Any]
            alert["groupKey"] = "{}:{alertname=\"Hostile\"}"
            alert["commonAnnotations"] = ["summary": Self.injected, "description": Self.injected, "runbook_url": "https://runbooks.example/db"]
            alert["commonLabels"] = ["alertname": "Hostile", "service": "db", "team": Self.injected]
            var alerts = alert["alerts"] as! [[String: Any]]
            for i in alerts.indices {
                alerts[i]["annotations"] = ["summary": Self.injected]
                alerts[i]["labels"] = ["alertname": "Hostile", "service": "db", "team": Self.injected]
            }
            alert["alerts"] = alerts
            let body = String(decoding: try JSONSerialization.data(withJSONObject: alert), as: UTF8.self)
            #expect(try await Self.alert(client, body, token: Fixtures.alertToken) == .ok)
            #expect(try await rig.open().count == 2)

            // Replies that echo what was typed: list, timeline, a parse error, a refusal.
            var replies: [String] = []
            replies.append(try await Self.slack(client, "list", user: Self.suzukiSlack))
            replies.append(try await Self.slack(client, "timeline \(id)", user: Self.suzukiSlack))
            replies.append(try await Self.slack(client, "timeline \(id) json", user: Self.suzukiSlack))
            replies.append(try await Self.slack(client, "frobnicate \(Self.injected)", user: Self.suzukiSlack))
            replies.append(try await Self.slack(client, "assign \(id) A \(Self.injected)", user: Self.suzukiSlack))
            for r in replies { #expect(Self.live("slack", r).isEmpty, "slack reply: \(Self.live("slack", r)) in \(r)") }
            let mmList = try await Self.mattermost(client, "list", userID: satoMM, userName: "sato")
            #expect(Self.live("mattermost", mmList).isEmpty, "\(mmList)")
            _ = try await Self.slack(client, "note \(id) =HYPERLINK(\"https://evil.example\",\"x\")", user: Self.suzukiSlack)
            let csv = try await Self.slack(client, "timeline \(id) csv", user: Self.suzukiSlack)
            #expect(csv.contains("'=HYPERLINK"), "the note's cell is there, quoted: \(csv)")
            #expect(!csv.contains(",=HYPERLINK") && !csv.contains("\"=HYPERLINK"), "\(csv)")

            // Every platform got the posts (declare, note, update, the alert's declare), none of them live.
            let deadline = Date().addingTimeInterval(20)
            var got: [String: [String]] = [:]
            while Date() < deadline {
                got = Self.delivered(rig.sink)
                if ["slack", "mattermost", "matrix", "teams", "webhook"].allSatisfy({ (got[$0]?.count ?? 0) >= 4 }) { break }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            for platform in ["slack", "mattermost", "matrix", "matrix-html", "teams", "webhook"] {
                let texts = got[platform] ?? []
                #expect(texts.count >= 4, "\(platform) received \(texts.count) posts")
                #expect(texts.contains { $0.contains("Bridge: +81-50-3000-0110") }, "\(platform): the real bridge line is missing")
                for t in texts {
                    let bad = Self.live(platform, t)
                    #expect(bad.isEmpty, "\(platform): live \(bad) in \(t)")
                }
            }
        }
    }

    @Test func csvCellsThatLookLikeFormulasAreQuoted() throws {
        let config = try Fixtures.config("Examples/bridge.en.yaml")
        let id = IncidentID("INC-20261201-001")
        let entries = ["=HYPERLINK(\"https://evil\")", "+1", "-2", "@SUM(A1)", "\tx", "plain"].map {
            TimelineEntry(incidentID: id, at: Date(), actor: "suzuki", kind: .note, text: $0)
        }
        let csv = TimelineExporter(config: config).csv(entries)
        let cells = csv.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",", maxSplits: 3).last.map(String.init) ?? "" }
        #expect(cells == ["\"'=HYPERLINK(\"\"https://evil\"\")\"", "'+1", "'-2", "'@SUM(A1)", "'\tx", "plain"])
    }

    @Test func dialectsLeaveTheBotsOwnMentionsAndBreakEveryoneElses() {
        #expect(MattermostDialect().escape("@channel [x](y) ![i](z) # h") == "@\u{200B}channel [x]\u{200B}(y) !\u{200B}[i]\u{200B}(z) # h")
        #expect(!MattermostDialect().escape("# Heading").hasPrefix("#"))
        #expect(SlackDialect().escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;")
        #expect(MatrixDialect().escape("@room hi") == "@\u{200B}room hi")
        #expect(TeamsDialect().escape("<at>Evil</at>") == "&lt;at&gt;Evil&lt;/at&gt;")
        #expect(OneLine.clean("a\r\nBridge: +1\u{2028}b\u{0007}c\u{202E}") == "a Bridge: +1 bc")
    }
}
