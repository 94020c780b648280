import BridgeChat
import BridgeCore
import Foundation
import HTTPTypes
import Logging
import ServiceLifecycle
import WSClient

/// Mattermost commands without an inbound port: the bot account's WebSocket event stream.
///
/// - Acts on `posted` events whose message starts with `!incident` or `/incident`, in any channel the bot is a
///   member of; the sender is the post's `user_id`. Answers are posted in the channel through the outbox (REST
///   API with the bot token), so `show`/`timeline` follow the rules of public replies.
/// - Each post acts once (its id is the delivery key, kept in the database), and the newest post time seen per
///   channel is kept too: after a gap the server cannot resume (a Mattermost restart, a long outage of ours, a
///   restart of the bot), the posts since then are read with `GET /channels/{id}/posts?since=`, so a command
///   is neither missed nor replayed. A short gap is resumed by the server itself (`connection_id` and
///   `sequence_number` on reconnect).
/// - Reconnects with backoff and jitter; a refused bot token stops it with one clear error.
public struct MattermostSocketService: Service {
    public static let name = "mattermost websocket"
    static let cursorKey = "mattermost.ws.channels"
    let server: String
    let token: String
    let channelID: String?
    let routes: ChatRoutes
    let transport: any HTTPTransport
    let connections: ChatConnections
    let logger: Logger
    let backoff: Backoff
    let pingEvery: Duration

    public init(
        server: String,
        token: String,
        channelID: String?,
        routes: ChatRoutes,
        transport: any HTTPTransport,
        connections: ChatConnections,
        logger: Logger,
        backoff: Backoff = Backoff(),
        pingEvery: Duration = .seconds(30)
    ) {
        self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
        self.token = token
        self.channelID = channelID
        self.routes = routes
        self.transport = transport
        self.connections = connections
        self.logger = logger
        self.backoff = backoff
        self.pingEvery = pingEvery
    }

    var service: IncidentService { routes.service }
    var now: Date { service.clock.now() }

    struct Refused: Error { var reason: String }

    func get(_ path: String) async throws -> Data {
        let r = try await transport.send(
            HTTPRequest(method: "GET", url: server + "/api/v4" + path, headers: [("Authorization", "Bearer \(token)")])
        )
        if r.status == 401 || r.status == 403 { throw Refused(reason: "the bot token was refused (HTTP \(r.status))") }
        guard r.status == 200 else { throw InboundError("GET \(path): HTTP \(r.status)") }
        return r.body
    }

    public func run() async throws {
        connections.set(Self.name, .connecting(since: now))
        await cancelWhenGracefulShutdown {
            var botID: String?
            var resume: (connectionID: String, nextSeq: Int)?
            var failures = 0
            while !Task.isCancelled {
                let state = SocketState(resume: resume)
                do {
                    if botID == nil {
                        let me = (try? JSONSerialization.jsonObject(with: try await get("/users/me"))) as? [String: Any]
                        guard let id = me?["id"] as? String else { throw InboundError("users/me without an id") }
                        botID = id
                        try await startCursors()
                    }
                    let bot = botID!
                    let resumed = resume?.connectionID
                    let priorFailures = failures
                    var headers = HTTPFields()
                    headers[.authorization] = "Bearer \(token)"
                    try await WebSocketClient.connect(
                        url: MattermostSocket.url(server: server, resume: resume),
                        configuration: .init(maxFrameSize: 1 << 22, additionalHeaders: headers, autoPing: .enabled(timePeriod: pingEvery)),
                        proxySettings: .environment(),
                        logger: logger
                    ) { inbound, _, _ in
                        for try await message in inbound.messages(maxSize: 1 << 22) {
                            guard case .text(let text) = message else { continue }
                            let event: MattermostSocket.Event
                            do { event = try MattermostSocket.parse(text) } catch {
                                logger.warning("mattermost event not readable", metadata: ["error": "\(error)"])
                                continue
                            }
                            if await state.seen(event) {
                                // Up: a hello, or (on a resumed connection, which has none) the first event.
                                connections.set(Self.name, .connected(since: now))
                                connections.opened(MattermostPlatform.id)
                                if priorFailures > 0 {
                                    connections.reconnected(MattermostPlatform.id)
                                    logger.info("mattermost websocket connected again")
                                }
                            }
                            switch event {
                            case .hello(let id, _):
                                if resumed != id {
                                    // A new connection: whatever was posted meanwhile is read back.
                                    await catchUp(bot: bot)
                                }
                            case .posted(let post, _):
                                connections.envelope(MattermostPlatform.id, type: "posted")
                                await act(post, bot: bot)
                                // Every post moves the channel's cursor, the bot's own answers too: a catch-up
                                // reads only what came after the last post seen, never the last command again.
                                await setCursor(post.channelID, post.createAt)
                            case .other: break
                            }
                        }
                    }
                    failures = (await state.upFor(now: now) >= 30 ? 0 : failures) + 1
                    connections.reconnecting(Self.name, error: "connection closed", now: now)
                    botID = nil  // asks users/me again: a revoked token shows as stopped, not as endless retries
                } catch is CancellationError {
                    break
                } catch let e as Refused {
                    connections.set(Self.name, .stopped(reason: e.reason))
                    logger.critical("mattermost websocket stopped: \(e.reason); fix the bot token (chat.mattermost.bot_token_env) and restart")
                    while !Task.isCancelled { try? await Task.sleep(nanoseconds: 3_600_000_000_000) }
                    break
                } catch {
                    failures = (await state.upFor(now: now) >= 30 ? 0 : failures) + 1
                    connections.reconnecting(Self.name, error: "\(error)", now: now)
                    botID = nil
                    if failures == 1 {
                        logger.error("mattermost websocket lost; reconnecting", metadata: ["error": "\(error)"])
                    }
                }
                resume = await state.resume
                if Task.isCancelled { break }
                try? await Task.sleep(nanoseconds: Bounds.nanoseconds(backoff.delay(attempt: failures)))
            }
        }
    }

    /// The newest post time acted on (or looked at) per channel, in milliseconds.
    func cursors() async throws -> [String: Int64] {
        guard let text = try await routes.store.value(forKey: Self.cursorKey),
            let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: NSNumber]
        else { return [:] }
        return object.mapValues(\.int64Value)
    }

    func setCursor(_ channel: String, _ at: Int64) async {
        // A post stamped in the far future (an import, a skewed client) must not freeze the cursor past every later
        // post: it moves to at most 5 minutes ahead of now.
        let at = min(at, Int64(Bounds.epochSeconds(Date()) + 300) * 1000)
        do {
            var all = try await cursors()
            guard at > all[channel] ?? 0 else { return }
            all[channel] = at
            let data = try JSONSerialization.data(withJSONObject: all.mapValues { NSNumber(value: $0) }, options: [.sortedKeys])
            try await routes.store.setValue(String(decoding: data, as: UTF8.self), forKey: Self.cursorKey)
        } catch {
            logger.error("cannot keep the mattermost cursor", metadata: ["error": "\(error)"])
        }
    }

    /// On the first start, history is skipped: the configured channel counts from now.
    func startCursors() async throws {
        if try await routes.store.value(forKey: Self.cursorKey) == nil {
            let data = try JSONSerialization.data(
                withJSONObject: channelID.map { [$0: NSNumber(value: Int64(now.timeIntervalSince1970 * 1000))] } ?? [:]
            )
            try await routes.store.setValue(String(decoding: data, as: UTF8.self), forKey: Self.cursorKey)
        }
    }

    /// Reads back the posts of every known channel since its cursor and acts on them in order.
    func catchUp(bot: String) async {
        guard let all = try? await cursors() else { return }
        for (channel, since) in all.sorted(by: { $0.key < $1.key }) {
            do {
                // Strictly after the last post seen (`since` compares update_at; an edited old post is skipped by
                // its create_at): a command is never run again, however long ago its delivery id was purged.
                let body = try await get("/channels/\(channel)/posts?since=\(since)")
                let posts = try MattermostSocket.posts(body).filter { $0.createAt > since }
                if !posts.isEmpty {
                    logger.info("mattermost: reading posts made while disconnected", metadata: ["channel": "\(channel)", "posts": "\(posts.count)"])
                }
                for post in posts {
                    await act(post, bot: bot)
                    await setCursor(post.channelID, post.createAt)
                }
            } catch {
                logger.error("mattermost catch-up failed", metadata: ["channel": "\(channel)", "error": "\(error)"])
            }
        }
    }

    /// Acts on a post addressed to the bot and queues the answer in its channel.
    func act(_ post: MattermostSocket.Post, bot: String) async {
        guard let inbound = MattermostSocket.command(post, botUserID: bot) else { return }
        let outcome = await routes.run(inbound.command, key: inbound.deliveryKey, deadline: 30)
        if !outcome.duplicate { await routes.enqueueReply(outcome.reply, to: inbound.command.origin) }
    }
}

/// What one connection has seen: whether it is up, and where to resume.
actor SocketState {
    private(set) var resume: (connectionID: String, nextSeq: Int)?
    private var up = false
    private var since: Date?
    /// Seconds this connection has been up (0 when it never came up).
    func upFor(now: Date) -> Double { since.map { now.timeIntervalSince($0) } ?? 0 }

    init(resume: (connectionID: String, nextSeq: Int)?) { self.resume = resume }

    /// Records an event; true for the first one of this connection.
    func seen(_ event: MattermostSocket.Event) -> Bool {
        switch event {
        case .hello(let id, let seq): resume = (id, seq + 1)
        case .posted(_, let seq): if let r = resume { resume = (r.connectionID, max(r.nextSeq, seq + 1)) }
        case .other(_, let seq?): if let r = resume { resume = (r.connectionID, max(r.nextSeq, seq + 1)) }
        case .other(_, nil): break
        }
        defer { up = true }
        if !up { since = Date() }
        return !up
    }
}
