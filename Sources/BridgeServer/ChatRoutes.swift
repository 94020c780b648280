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
    public let store: SQLiteStore
    public let settings: PlatformSettings
    public let metrics: BridgeMetrics
    public let logger: Logger
    /// Slack's request verifier, its key built once.
    let slackSigner: SlackSignature?

    public init(
        service: IncidentService,
        store: SQLiteStore,
        settings: PlatformSettings,
        metrics: BridgeMetrics,
        logger: Logger
    ) {
        self.service = service
        self.store = store
        self.settings = settings
        self.metrics = metrics
        self.logger = logger
        self.slackSigner = settings.slack.map { SlackSignature(secret: $0.signingSecret) }
    }

    var ja: Bool { service.config.locale == .ja }
    var busyReply: CommandOutcome {
        CommandOutcome(reply: ja ? "処理中です。結果はチャンネルに投稿します" : "Working on it; the result will be posted in the channel")
    }

    public func register(on router: Router<BasicRequestContext>) {
        if settings.slack != nil {
            router.post("/slack/commands") { request, _ in await self.slackCommand(request) }
            router.post("/slack/actions") { request, _ in await self.slackAction(request) }
        }
        if settings.teams?.hmacSecret != nil {
            router.post("/teams/messages") { request, _ in await self.teamsMessage(request) }
        }
        if settings.mattermost != nil {
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

    /// A flat JSON object of strings (the chat answers), written by hand: JSONSerialization is slow on Linux.
    static func json(_ fields: [String: String]) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        var out = [UInt8]("{".utf8)
        for (i, key) in fields.keys.sorted().enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            jsonString(key, into: &out)
            out.append(UInt8(ascii: ":"))
            jsonString(fields[key]!, into: &out)
        }
        out.append(UInt8(ascii: "}"))
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: out)))
    }

    /// A JSON string literal (RFC 8259 escapes; non-ASCII stays UTF-8).
    static func jsonString(_ s: String, into out: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0x0f)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
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

    func run(_ command: ChatCommand, key: String?, deadline: Double = 2.5) async -> CommandOutcome {
        let service = self.service
        return await withDeadline(deadline, fallback: busyReply) { await service.handle(command, deliveryKey: key) }
    }

    /// Runs a slash command from its form and answers privately (Slack and Mattermost share the shape);
    /// `trigger_id` identifies the delivery so a retry is not applied twice.
    func answerSlashCommand(platform: String, form: [String: String], channel: String, user: String) async -> Response {
        let text = (form["text"] ?? "").isEmpty ? "help" : form["text"]!
        let key = form["trigger_id"].map { "\(platform):command:\($0)" }
        let outcome = await run(ChatCommand(platform: platform, channel: channel, user: user, text: text), key: key)
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
        if form["ssl_check"] == "1" { return Self.text(.ok, "ok") }
        guard let user = form["user_id"], let channel = form["channel_id"] else {
            return reject(.badRequest, "missing user_id or channel_id", route: route)
        }
        return await answerSlashCommand(platform: "slack", form: form, channel: channel, user: user)
    }

    func slackAction(_ request: Request) async -> Response {
        let route = "/slack/actions"
        guard let body = await Self.body(request) else {
            return reject(.contentTooLarge, "body over 1 MiB", route: route)
        }
        if let refused = verifySlack(request, body, route: route) { return refused }
        guard let form = FormDecoder.decode(body), let payloadText = form["payload"],
            let payload = (try? JSONSerialization.jsonObject(with: Data(payloadText.utf8))) as? [String: Any]
        else {
            return reject(.badRequest, "missing or malformed payload field", route: route)
        }
        guard payload["type"] as? String == "block_actions" else { return Self.text(.ok, "") }
        guard let user = (payload["user"] as? [String: Any])?["id"] as? String,
            let action = (payload["actions"] as? [[String: Any]])?.first,
            let actionID = action["action_id"] as? String, let value = action["value"] as? String
        else {
            return reject(.badRequest, "block_actions payload without user or action", route: route)
        }
        let channel =
            (payload["channel"] as? [String: Any])?["id"] as? String
            ?? (payload["container"] as? [String: Any])?["channel_id"] as? String ?? "unknown"
        let responseURL = payload["response_url"] as? String
        let key = "slack:action:\(payload["trigger_id"] as? String ?? ""):\(action["action_ts"] as? String ?? "")"
        let reply: String
        switch actionID {
        case "incident_ack":
            reply = await run(
                ChatCommand(platform: "slack", channel: channel, user: user, text: "ack \(value)"),
                key: key
            ).reply
        case "incident_resolve":
            let summary = ja ? "Slackのボタンで復旧" : "resolved from the Slack button"
            reply = await run(
                ChatCommand(
                    platform: "slack",
                    channel: channel,
                    user: user,
                    text: "resolve \(value) \(summary)"
                ),
                key: key
            ).reply
        case "incident_update":
            reply =
                ja
                ? "状況は `/incident update \(value) <状況>` で報告してください"
                : "Post the status with `/incident update \(value) <status>`"
        default:
            return reject(.badRequest, "unknown action \(actionID)", route: route)
        }
        if let url = responseURL {
            await enqueueReply(reply, to: Destination(platform: "slack_response", channel: url))
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
        guard let activity = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
            let text = activity["text"] as? String,
            let from = activity["from"] as? [String: Any]
        else {
            return reject(.badRequest, "body is not a Teams message activity", route: route)
        }
        let user = from["name"] as? String ?? from["aadObjectId"] as? String ?? from["id"] as? String ?? "unknown"
        let channel =
            ((activity["channelData"] as? [String: Any])?["channel"] as? [String: Any])?["id"] as? String
            ?? (activity["conversation"] as? [String: Any])?["id"] as? String ?? "teams"
        var commandText = TeamsWebhook.commandText(text)
        if commandText.isEmpty { commandText = "help" }
        let key = (activity["id"] as? String).map { "teams:\(channel):\($0)" }
        let outcome = await run(
            ChatCommand(platform: "teams", channel: channel, user: user, text: commandText),
            key: key,
            deadline: 4
        )
        return Self.json(["type": "message", "text": outcome.reply])
    }

    // MARK: Mattermost

    func mattermostCommand(_ request: Request) async -> Response {
        let route = "/mattermost/commands"
        guard let mm = settings.mattermost else { return Self.text(.notFound, "mattermost is not configured") }
        guard let body = await Self.body(request) else {
            return reject(.contentTooLarge, "body over 1 MiB", route: route)
        }
        let expected = Array(mm.commandToken.utf8)
        var authorized = false
        if let auth = Self.header(request, .authorization), auth.hasPrefix("Token ") {
            authorized = constantTimeEquals(Array(auth.dropFirst(6).utf8), expected)
        }
        let form = FormDecoder.decode(body)
        if !authorized, let token = form?["token"] { authorized = constantTimeEquals(Array(token.utf8), expected) }
        guard authorized else { return reject(.unauthorized, "invalid Mattermost command token", route: route) }
        guard let form, let channel = form["channel_id"], let user = form["user_name"] ?? form["user_id"] else {
            return reject(.badRequest, "body is not a Mattermost slash-command form", route: route)
        }
        return await answerSlashCommand(platform: "mattermost", form: form, channel: channel, user: user)
    }

    func mattermostAction(_ request: Request) async -> Response {
        let route = "/mattermost/actions"
        guard let mm = settings.mattermost else { return Self.text(.notFound, "mattermost is not configured") }
        guard let body = await Self.body(request) else {
            return reject(.contentTooLarge, "body over 1 MiB", route: route)
        }
        guard let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
            let context = json["context"] as? [String: Any]
        else {
            return reject(.badRequest, "body is not a Mattermost action request", route: route)
        }
        let action = context["action"] as? String ?? ""
        let incident = context["incident_id"] as? String ?? ""
        let sig = context["sig"] as? String ?? ""
        let expected = MattermostPoster.contextSignature(key: mm.commandToken, action: action, incident: incident)
        guard constantTimeEquals(Array(sig.utf8), Array(expected.utf8)) else {
            return reject(.unauthorized, "invalid action signature", route: route)
        }
        guard let user = json["user_name"] as? String ?? json["user_id"] as? String,
            let channel = json["channel_id"] as? String
        else {
            return reject(.badRequest, "action request without user or channel", route: route)
        }
        let key = (json["trigger_id"] as? String).map { "mattermost:action:\($0)" }
        let text: String
        switch action {
        case "ack": text = "ack \(incident)"
        case "resolve": text = "resolve \(incident) \(ja ? "Mattermostのボタンで復旧" : "resolved from the Mattermost button")"
        default: return reject(.badRequest, "unknown action \(action)", route: route)
        }
        let outcome = await run(ChatCommand(platform: "mattermost", channel: channel, user: user, text: text), key: key)
        return Self.json(["ephemeral_text": outcome.reply])
    }
}
