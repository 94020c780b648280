import BridgeChat
import BridgeCore
import Foundation
import Logging
import NIOSSL
import ServiceLifecycle
import WSClient

/// Slack commands and buttons without an inbound port: a Socket Mode connection opened with the app-level
/// token (`POST apps.connections.open`, then the `wss://` URL it returns, through `https_proxy` when set).
///
/// - Each envelope is acted on exactly as the `/slack/*` routes would (same parsing, same authorization by the
///   sender's member id) and acknowledged by `envelope_id` within 3 s; a slash command's answer travels in the
///   ack's payload (private to the sender). Posting stays on the Web API through the outbox.
/// - `disconnect` with `warning` / `refresh_requested`: the next connection is opened first, the old one is
///   closed once the new one said hello; envelopes that arrive on either are handled once (envelope ids
///   remembered here, and each command's own `trigger_id` key in the database).
/// - A lost connection is re-opened with backoff and jitter (Slack's `Retry-After` on `apps.connections.open`
///   wins). `link_disabled` or a refused token stops it with one clear error and an unhealthy `/healthz`.
public struct SlackSocketModeService: Service {
    public static let name = "slack socket mode"
    let apiBase: String
    let appToken: String
    let routes: ChatRoutes
    let transport: any HTTPTransport
    let connections: ChatConnections
    let logger: Logger
    let backoff: Backoff
    let pingEvery: Duration
    let seen = SeenEnvelopes()

    public init(
        apiBase: String,
        appToken: String,
        routes: ChatRoutes,
        transport: any HTTPTransport,
        connections: ChatConnections,
        logger: Logger,
        backoff: Backoff = Backoff(),
        pingEvery: Duration = .seconds(30)
    ) {
        self.apiBase = apiBase.hasSuffix("/") ? String(apiBase.dropLast()) : apiBase
        self.appToken = appToken
        self.routes = routes
        self.transport = transport
        self.connections = connections
        self.logger = logger
        self.backoff = backoff
        self.pingEvery = pingEvery
    }

    enum Event: Sendable {
        case hello(Int)
        case refresh(Int, reason: String)
        case closed(Int, error: String?, retryAfter: Double?)
        case refused(Int, reason: String)
    }

    var now: Date { routes.service.clock.now() }

    public func run() async throws {
        connections.set(Self.name, .connecting(since: now))
        await cancelWhenGracefulShutdown {
            let (events, sink) = AsyncStream<Event>.makeStream()
            var live: [Int: (task: Task<Void, Never>, socket: SocketBox)] = [:]
            func start(_ n: Int) {
                let box = SocketBox()
                live[n] = (Task { await self.connection(n, box: box, events: sink) }, box)
            }
            var current = 1
            var failures = 0
            var upSince: Date?
            var stopped = false
            start(current)
            for await event in events {
                switch event {
                case .hello(let n):
                    guard !stopped else { continue }
                    connections.set(Self.name, .connected(since: now))
                    connections.opened(SlackPlatform.id)
                    if failures > 0 {
                        connections.reconnected(SlackPlatform.id)
                        logger.info("slack socket mode connected again", metadata: ["connection": "\(n)"])
                    }
                    // Failures are forgotten only once a connection has stayed up (a peer that says hello and
                    // hangs up at once must not get a reconnect a second forever).
                    upSince = now
                    // A refreshed link: the new connection is up, so the old ones can go.
                    for (k, c) in live where k < n { await c.socket.close() }
                case .refresh(let n, let reason):
                    guard n == current, !stopped else { continue }
                    logger.info("slack asked to reconnect; opening the next connection first", metadata: ["reason": "\(reason)"])
                    if !["warning", "refresh_requested"].contains(reason) {
                        // `too_many_websockets` and reasons we do not know: back off before the next one.
                        failures += 1
                        try? await Task.sleep(nanoseconds: Bounds.nanoseconds(backoff.delay(attempt: failures)))
                        if Task.isCancelled { break }
                    }
                    current += 1
                    start(current)
                case .closed(let n, let error, let retryAfter):
                    live[n] = nil
                    guard n == current, !stopped else { continue }
                    if let up = upSince, now.timeIntervalSince(up) >= 30 { failures = 0 }
                    upSince = nil
                    failures += 1
                    let reason = error ?? "connection closed"
                    connections.reconnecting(Self.name, error: reason, now: now)
                    if failures == 1 {
                        logger.error("slack socket mode connection lost; reconnecting", metadata: ["error": "\(reason)"])
                    }
                    let delay = retryAfter ?? backoff.delay(attempt: failures)
                    try? await Task.sleep(nanoseconds: Bounds.nanoseconds(delay))
                    if Task.isCancelled { break }
                    current += 1
                    start(current)
                case .refused(_, let reason):
                    guard !stopped else { continue }
                    stopped = true
                    connections.set(Self.name, .stopped(reason: reason))
                    logger.critical(
                        "slack socket mode stopped; not reconnecting: check the app-level token (chat.slack.app_token_env) and that Socket Mode is on for the app, then restart",
                        metadata: ["reason": "\(reason)"]
                    )
                    for c in live.values { await c.socket.close() }
                    live.removeAll()
                }
                if Task.isCancelled { break }
            }
            for c in live.values {
                await c.socket.close()
                c.task.cancel()
            }
        }
    }

    /// One connection: open it, read until it closes, report what happened.
    func connection(_ n: Int, box: SocketBox, events: AsyncStream<Event>.Continuation) async {
        let url: String
        do {
            let r = try await transport.send(
                HTTPRequest(
                    url: apiBase + "/apps.connections.open",
                    headers: [
                        ("Authorization", "Bearer \(appToken)"),
                        ("Content-Type", "application/x-www-form-urlencoded"),
                    ]
                )
            )
            switch SlackSocketMode.opened(status: r.status, headers: r.headers, body: r.body) {
            case .url(let u): url = u
            case .retry(let after, let reason):
                events.yield(.closed(n, error: "apps.connections.open: \(reason)", retryAfter: after))
                return
            case .refused(let reason):
                events.yield(.refused(n, reason: "apps.connections.open: \(reason)"))
                return
            }
        } catch {
            events.yield(.closed(n, error: "apps.connections.open: \(error)", retryAfter: nil))
            return
        }
        do {
            try await WebSocketClient.connect(
                url: url,
                configuration: .init(maxFrameSize: 1 << 20, autoPing: .enabled(timePeriod: pingEvery)),
                proxySettings: .environment(),
                logger: logger
            ) { inbound, outbound, _ in
                let writer = AckWriter(outbound)
                await box.set(writer)
                // Discarding: a connection that lives for days handles millions of envelopes.
                try await withThrowingDiscardingTaskGroup { group in
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message else { continue }
                        switch try? SlackSocketMode.parse(text) {
                        case .hello: events.yield(.hello(n))
                        case .disconnect(let reason):
                            events.yield(
                                reason == "link_disabled" ? .refused(n, reason: "link_disabled") : .refresh(n, reason: reason)
                            )
                        case .envelope(let e):
                            await writer.begin()
                            group.addTask { await self.handle(e, writer: writer) }
                        case .other, nil: continue
                        }
                    }
                }
            }
            events.yield(.closed(n, error: nil, retryAfter: nil))
        } catch {
            events.yield(.closed(n, error: "\(error)", retryAfter: nil))
        }
    }

    /// Acts on one envelope and acknowledges it; a repeated envelope id gets the first answer again.
    func handle(_ e: SlackSocketMode.Envelope, writer: AckWriter) async {
        connections.envelope(SlackPlatform.id, type: e.type)
        switch await seen.claim(e.id) {
        case .answered(let text):
            await writer.send(SlackSocketMode.ack(e.id, text: e.acceptsResponsePayload ? text : nil))
            return
        case .inProgress:
            // The first delivery is still being acted on and will answer; this copy only needs its ack.
            await writer.send(SlackSocketMode.ack(e.id))
            return
        case .new: break
        }
        var answer: String?
        do {
            switch try SlackSocketMode.work(e, config: routes.service.config) {
            case .ignore: break
            case .command(let inbound):
                answer = await routes.run(inbound.command, key: inbound.deliveryKey, late: inbound.lateReply).reply
            case .action(.reply(let text, let url)):
                if let url { await routes.enqueueReply(text, to: Destination(platform: "slack_response", channel: url)) }
            case .action(.command(let inbound, let url)):
                let reply = await routes.run(inbound.command, key: inbound.deliveryKey).reply
                if let url { await routes.enqueueReply(reply, to: Destination(platform: "slack_response", channel: url)) }
            case .action(.ignore): break
            }
        } catch {
            // Acknowledged anyway: Slack would only send the same malformed envelope again.
            routes.metrics.rejected(route: "slack socket mode", reason: error.reason)
            logger.warning("slack envelope refused", metadata: ["type": "\(e.type)", "error": "\(error.reason)"])
        }
        await seen.answered(e.id, answer)
        await writer.send(SlackSocketMode.ack(e.id, text: e.acceptsResponsePayload ? answer : nil))
    }
}

/// Envelope ids seen lately, with their answers (a retried envelope is acknowledged again, not re-run).
actor SeenEnvelopes {
    enum Claim: Equatable {
        case new, inProgress
        case answered(String?)
    }
    private var entries: [String: Claim] = [:]
    private var order: [String] = []
    private let limit = 2_000

    func claim(_ id: String) -> Claim {
        if let e = entries[id] { return e }
        entries[id] = .inProgress
        order.append(id)
        if order.count > limit { entries[order.removeFirst()] = nil }
        return .new
    }

    func answered(_ id: String, _ text: String?) {
        if entries[id] != nil { entries[id] = .answered(text) }
    }
}

/// Acks written one at a time (envelopes are handled concurrently); closing waits (up to 3 s) for the envelopes
/// still being handled, so a refreshed connection is not closed under an ack it owes.
actor AckWriter {
    let outbound: WebSocketOutboundWriter
    private var inFlight = 0
    init(_ outbound: WebSocketOutboundWriter) { self.outbound = outbound }
    func begin() { inFlight += 1 }
    func send(_ text: String) async {
        try? await outbound.write(.text(text))
        inFlight -= 1
    }
    func close() async {
        for _ in 0..<300 where inFlight > 0 { try? await Task.sleep(nanoseconds: 10_000_000) }
        try? await outbound.close(.normalClosure, reason: "reconnected")
    }
}

/// The writer of a connection once it is open, so the supervisor can close it.
actor SocketBox {
    private var writer: AckWriter?
    private var closed = false
    func set(_ w: AckWriter) async {
        writer = w
        if closed { await w.close() }
    }
    func close() async {
        closed = true
        await writer?.close()
    }
}
