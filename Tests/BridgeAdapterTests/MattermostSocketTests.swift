import BridgeTestSupport
import BridgeCore
import Foundation
import Testing

/// Mattermost over the bot's WebSocket end to end: a real `serve` against the Mattermost fake (REST v4 and
/// `/api/v4/websocket` on one port, held to mattermostdriver by `check_fakes.py`). No slash-command route.
@Suite(.serialized) struct MattermostSocketTests {
    typealias P = SocketPeers
    static let suzuki = "suzuki2d5cd350c7a48263c670"
    static let channel = "chanincidents0000000000000"
    static let token = "bot-token-0123456789"

    struct Rig {
        let dir: String
        let fake: P.Fake
        var serve: P.Serve
        let db: String
        let config: String
        var port: Int { fake.port() }
    }

    static func rig() throws -> Rig {
        let dir = Fixtures.tempDir()
        let fake = try P.Fake(
            "mattermost_fake.py",
            ["--port", "0", "--out", dir + "/mm.log", "--token", token, "--state", dir + "/mm-state.json"],
            dir: dir
        )
        let config = try P.config(
            dir: dir,
            chat: """
                  console: {enabled: false}
                  mattermost: {websocket: true, url: "http://127.0.0.1:\(fake.port())", channel_id: \(channel)}

                """
        )
        let db = dir + "/bridge.sqlite"
        return Rig(dir: dir, fake: fake, serve: try serve(config, db, dir), db: db, config: config)
    }

    static func serve(_ config: String, _ db: String, _ dir: String) throws -> P.Serve {
        try P.Serve(config: config, db: db, dir: dir, environment: ["MATTERMOST_BOT_TOKEN": token])
    }

    static func sockets(_ port: Int) async -> Int {
        ((try? await P.control(port, "/control/state")) as? [String: Any])?["sockets"] as? Int ?? 0
    }

    @discardableResult
    static func post(_ port: Int, _ message: String, user: String = suzuki, username: String = "suzuki") async throws
        -> [String: Any]
    {
        try await P.control(
            port,
            "/control/post",
            ["channel_id": channel, "user_id": user, "username": username, "message": message]
        ) as? [String: Any] ?? [:]
    }

    static func botPosts(_ port: Int) async throws -> [String] {
        (try await P.control(port, "/control/bot_posts") as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }
    }

    static func entries(_ db: String, _ kind: TimelineKind) async throws -> [String] {
        try await P.incidents(db).flatMap(\.1).filter { $0.kind == kind }.map(\.text)
    }

    @Test func commandsOverTheWebSocketAndEveryKindOfGap() async throws {
        var rig = try Self.rig()
        #expect(try await P.waitFor(20) { await Self.sockets(rig.port) > 0 }, "connected")
        #expect(try await P.waitFor(5) { await rig.serve.health().text.contains("mattermost websocket: connected since") })
        #expect(await rig.serve.status("/mattermost/commands") == 404, "no slash-command route without a command token")

        // 1. A command in the channel declares; the answer is posted in the channel with the bot token.
        try await Self.post(rig.port, "!incident declare db-outage sev1 Orders DB down @channel")
        #expect(try await P.waitFor(10) { try await P.incidents(rig.db).count == 1 })
        let inc = try #require(try await P.incidents(rig.db).first?.0)
        #expect(inc.declaredBy == "suzuki" && inc.origin == Destination(platform: "mattermost", channel: Self.channel))
        #expect(try await P.waitFor(10) { try await Self.botPosts(rig.port).contains { $0.contains(inc.id.rawValue) } })
        #expect(try await Self.botPosts(rig.port).allSatisfy { !$0.contains("@channel") }, "mentions from people are inert")

        // 2. A user renamed to "sato" is still who their user id says: refused.
        try await Self.post(rig.port, "/incident resolve \(inc.id) done", user: "intruder0000000000000000000", username: "sato")
        try await Task.sleep(nanoseconds: 1_000_000_000)
        #expect(try await P.incidents(rig.db).first?.0.state == .declared)

        // An incoming webhook posts as the user who created it: not a command of theirs.
        try await P.control(
            rig.port,
            "/control/post",
            [
                "channel_id": Self.channel, "user_id": Self.suzuki, "username": "grafana",
                "message": "!incident resolve \(inc.id) webhook says fixed",
                "props": ["from_webhook": "true", "override_username": "grafana"],
            ]
        )
        try await Task.sleep(nanoseconds: 1_000_000_000)
        #expect(try await P.incidents(rig.db).first?.0.state == .declared)

        // 3. The socket dropped without a close frame: the bot resumes (connection id and sequence number) and
        //    the post made meanwhile arrives once.
        try await P.control(rig.port, "/control/drop", [String: Any]())
        try await Self.post(rig.port, "!incident note \(inc.id) during the drop")
        #expect(try await P.waitFor(20) { try await Self.entries(rig.db, .note).contains("during the drop") })

        // 4. Mattermost restarts (down 6 s, connection ids forgotten): the post made while it was down is read back
        //    through GET /channels/{id}/posts?since= after the new hello.
        try await P.control(rig.port, "/control/restart", ["down_seconds": 6])
        try await Self.post(rig.port, "!incident note \(inc.id) while mattermost restarted")
        #expect(
            try await P.waitFor(40) { try await Self.entries(rig.db, .note).contains("while mattermost restarted") },
            "caught up after the restart gap"
        )

        // 5. The bot itself restarts; a command posted while it is down is acted on once it is back.
        rig.serve.stop()
        try await Self.post(rig.port, "!incident ack \(inc.id)")
        rig.serve = try Self.serve(rig.config, rig.db, rig.dir)
        #expect(try await P.waitFor(30) { try await P.incidents(rig.db).first?.0.state == .acknowledged })

        // Nothing was replayed: each command acted once.
        try await Task.sleep(nanoseconds: 2_000_000_000)
        let notes = try await Self.entries(rig.db, .note)
        #expect(notes.filter { $0 == "during the drop" }.count == 1)
        #expect(notes.filter { $0 == "while mattermost restarted" }.count == 1)
        #expect(try await Self.entries(rig.db, .declared).count == 1)
        #expect(try await Self.entries(rig.db, .acknowledged).count == 1)
        #expect(try await P.incidents(rig.db).count == 1)
    }
}
