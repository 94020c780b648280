import BridgeChat
import BridgeCore
import BridgeStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Inbound chat routes: authenticity first, then parsing, then the command; answered within the platform's
/// deadline, channel posts through the outbox.
public struct ChatRoutes: Sendable {
    public static let maxBody = 1 << 20
    public let service: IncidentService
    public let store: any BridgeStorage
    public let settings: PlatformSettings
    public let metrics: BridgeMetrics
    public let logger: Logger
    /// Slack's request verifier, its key built once.
    let slackSigner: SlackSignature?
    /// Records each inbound event before acting on it; skips one that crashed the bot before.
    let inbound: InboundGuard

    public init(
        service: IncidentService,
        store: any BridgeStorage,
        settings: PlatformSettings,
        metrics: BridgeMetrics,
        logger: Logger
    ) {
        self.service = service
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.slackSigner = settings.slack?.signingSecret.map { SlackSignature(secret: $0) }
        self.inbound = Self.inboundGuard(store: store, clock: service.clock, metrics: metrics, logger: logger)
    }

    /// The guard of every inbound route and poller: a poison event is logged as critical and counted.
    public static func inboundGuard(
        store: any BridgeStorage,
        clock: any BridgeClock,
        metrics: BridgeMetrics,
        logger: Logger,
        retriesAfterCrash: Int = 0
    ) -> InboundGuard {
        var g = InboundGuard(attempts: store, instance: BridgeInstance.id, clock: clock) { key, attempts in
            metrics.poisoned(source: String(key.prefix { $0 != ":" }))
            logger.critical(
                "inbound event skipped: acting on it stopped the bot before",
                metadata: ["inbound.key": "\(key)", "attempts": "\(attempts)"]
            )
        }
        g.retriesAfterCrash = retriesAfterCrash
        return g
    }

    var ja: Bool { service.config.locale == .ja }
    var busyReply: CommandOutcome {
        CommandOutcome(reply: service.config.word(.busy))
    }

    public func register(on router: Router<BasicRequestContext>) {
        // In Socket Mode, Slack's commands and clicks come over the WebSocket: no inbound route at all.
        if let slack = settings.slack, !slack.socketMode, slackSigner != nil {
            router.post("/slack/commands") { request, _ in await self.slackCommand(request) }
            router.post("/slack/actions") { request, _ in await self.slackAction(request) }
        }
        if settings.teams?.hmacSecret != nil {
            router.post("/teams/messages") { request, _ in await self.teamsMessage(request) }
        }
        // Without a command token (WebSocket mode) there are no slash commands to take and no signed buttons.
        if settings.mattermost?.commandToken != nil {
            router.post("/mattermost/commands") { request, _ in await self.mattermostCommand(request) }
            router.post("/mattermost/actions") { request, _ in await self.mattermostAction(request) }
        }
    }

    // MARK: helpers

    /// Refuses a request: counts it by reason, logs it without secrets, answers one line.
    func reject(_ status: HTTPResponse.Status, _ reason: String, route: String) -> Response {
        Self.reject(status, reason, route: route, metrics: metrics, logger: logger)
    }

    /// The refusal of every inbound route (chat and alerts): nothing is recorded besides the counter and the log.
    static func reject(
        _ status: HTTPResponse.Status,
        _ reason: String,
        route: String,
        metrics: BridgeMetrics,
        logger: Logger
    ) -> Response {
        metrics.rejected(
            route: route,
            reason: status.code == 413 ? "too_large" : status.code == 401 ? "unauthorized" : "malformed"
        )
        logger.notice(
            "inbound request rejected",
            metadata: ["route": "\(route)", "status": "\(status.code)", "reason": "\(reason)"]
        )
        return text(status, reason)
    }

    static func text(_ status: HTTPResponse.Status, _ text: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    static func json(_ object: Any) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The encoder of the chat answers (flat objects of strings): the library, as a hand-written writer did not pay
    /// (see BENCHMARKS.md: "Hand-written code against the library it replaces"); the output is byte-identical.
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    /// A flat JSON object of strings (the chat answers).
    static func json(_ fields: [String: String]) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        let data = (try? encoder.encode(fields)) ?? Data("{}".utf8)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// The raw body, or nil when it is over 1 MiB.
    static func body(_ request: Request) async -> Data? {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxBody { return nil }
        var request = request
        guard let buffer = try? await request.collectBody(upTo: maxBody) else { return nil }
        return Data(buffer.readableBytesView)
    }

    static func header(_ request: Request, _ name: HTTPField.Name) -> String? { request.headers[name] }

    static let slackTimestamp = HTTPField.Name("X-Slack-Request-Timestamp")!
    static let slackSignature = HTTPField.Name("X-Slack-Signature")!

    /// The answer to an event skipped as poison (the reference is the delivery key, as logged).
    func poisonOutcome(_ key: String) -> CommandOutcome {
        let ref = String(key.suffix(24))
        return CommandOutcome(
            reply: service.config.word(.poisoned, ["ref": ref]),
            ok: false
        )
    }

    /// Runs a command under the inbound guard within `deadline`; an answer past the deadline is still delivered
    /// (to `late`, else the command's channel), as the busy reply promises.
    func run(_ command: ChatCommand, key: String?, deadline: Double = 2.5, late: Destination? = nil) async -> CommandOutcome {
        let service = self.service
        let inbound = self.inbound
        let poisoned = key.map(poisonOutcome)
        let destination = late ?? command.origin
        let routes = self
        return await withDeadline(
            deadline,
            fallback: busyReply,
            late: { outcome in
                if !outcome.duplicate, !outcome.reply.isEmpty { await routes.enqueueReply(outcome.reply, to: destination) }
            }
        ) {
            await inbound.run(key, poisoned: { _ in poisoned }) { await service.handle(command, deliveryKey: key) }
                ?? CommandOutcome(reply: "", ok: false, duplicate: true)
        }
    }

    /// Runs a command and answers privately (Slack and Mattermost slash commands share the shape).
    func answerPrivately(_ inbound: InboundCommand) async -> Response {
        let outcome = await run(inbound.command, key: inbound.deliveryKey, late: inbound.lateReply)
        return Self.json(["response_type": "ephemeral", "text": outcome.reply])
    }

    /// Queues a private answer (e.g. to a Slack `response_url`).
    func enqueueReply(_ text: String, to destination: Destination) async {
        let now = service.clock.now()
        do {
            _ = try await store.write { tx in
                try tx.enqueue(
                    OutboxMessage(
                        incidentID: nil,
                        destination: destination,
                        kind: PostKind.info.rawValue,
                        text: text,
                        createdAt: now
                    )
                )
            }
            service.onCommit()
        } catch {
            logger.error("cannot queue a reply", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Slack

    func verifySlack(_ request: Request, _ body: Data, route: String) -> Response? {
        guard let signer = slackSigner else { return Self.text(.notFound, "slack is not configured") }
        let result = signer.verify(
            timestamp: Self.header(request, Self.slackTimestamp),
            signature: Self.header(request, Self.slackSignature),
            body: body,
            now: service.clock.now()
        )
        if case .failure(let f) = result { return reject(.unauthorized, "invalid Slack signature: \(f)", route: route) }
        return nil
    }

    func slackCommand(_ request: Request) async -> Response {
        let route = "/slack/commands"
        guard let body = await Self.body(request) else {
            return reject(.contentTooLarge, "body over 1 MiB", route: route)
        }
        if let refused = verifySlack(request, body, route: route) { return refused }
        guard let form = FormDecoder.decode(body) else {
            return reject(.badRequest, "body is not form-encoded", route: route)
        }
        do {
            guard let inbound = try SlackInbound.slashCommand(form) else { return Self.text(.ok, "ok") }
            return await answerPrivately(inbound)
        } catch {
            return reject(.badRequest, error.reason, route: route)
        }
    }

    func slackAction(_ request: Request) async -> Response {
        let route = "/slack/actions"
        guard let body = await Self.body(request) else {
            return reject(.contentTooLarge, "body over 1 MiB", route: route)
        }
        if let refused = verifySlack(request, body, route: route) { return refused }
        let action: SlackInbound.Action
        do {
            action = try SlackInbound.action(FormDecoder.decode(body) ?? [:], config: service.config)
        } catch {
            return reject(.badRequest, error.reason, route: route)
        }
        switch action {
        case .ignore: break
        case .reply(let text, let url):
            if let url { await enqueueReply(text, to: Destination(platform: "slack_response", channel: url)) }
        case .command(let inbound, let url):
            let reply = await run(inbound.command, key: inbound.deliveryKey).reply
            if let url { await enqueueReply(reply, to: Destination(platform: "slack_response", channel: url)) }
        }
        return Self.text(.ok, "")
    }

    // MARK: Teams

    func teamsMessage(_ request: Request) async -> Response {
        let route = "/teams/messages"
        guard let secret = settings.teams?.hmacSecret else { return Self.text(.notFound, "teams is not configured") }
        guard let body = await Self.body(request) else {
            return reject(.contentTooLarge, "body over 1 MiB", route: route)
        }
        guard TeamsWebhook.verify(authorization: Self.header(request, .authorization), body: body, secret: secret)
        else {
            return reject(.unauthorized, "invalid Teams HMAC", route: route)
        }
        do {
            let inbound = try TeamsWebhook.command(body, now: service.clock.now())
            let outcome = await run(inbound.command, key: inbound.deliveryKey, deadline: 4)
            return Self.json(["type": "message", "text": outcome.reply])
        } catch {
            return reject(error.kind == .stale ? .unauthorized : .badRequest, error.reason, route: route)
        }
    }

    // MARK: Mattermost

    func mattermostCommand(_ request: Request) async -> Response {
        let route = "/mattermost/commands"
        guard let token = settings.mattermost?.commandToken else {
            return Self.text(.notFound, "mattermost is not configured")
        }
        guard let body = await Self.body(request) else {
            return reject(.contentTooLarge, "body over 1 MiB", route: route)
        }
        let form = FormDecoder.decode(body)
        let auth = Self.header(request, .authorization)
        guard MattermostInbound.authorized(authorization: auth, form: form, token: token) else {
            return reject(.unauthorized, "invalid Mattermost command token", route: route)
        }
        do {
            return await answerPrivately(try MattermostInbound.slashCommand(form))
        } catch {
            return reject(.badRequest, error.reason, route: route)
        }
    }

    func mattermostAction(_ request: Request) async -> Response {
        let route = "/mattermost/actions"
        guard let key = settings.mattermost?.commandToken else {
            return Self.text(.notFound, "mattermost is not configured")
        }
        guard let body = await Self.body(request) else {
            return reject(.contentTooLarge, "body over 1 MiB", route: route)
        }
        do {
            switch try MattermostInbound.action(body, key: key, config: service.config) {
            case .forged:
                return reject(.unauthorized, "invalid action signature", route: route)
            case .command(let inbound):
                let outcome = await run(inbound.command, key: inbound.deliveryKey)
                return Self.json(["ephemeral_text": outcome.reply])
            }
        } catch {
            return reject(.badRequest, error.reason, route: route)
        }
    }
}
