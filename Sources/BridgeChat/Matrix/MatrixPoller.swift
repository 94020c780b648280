import BridgeCore
import Foundation
import Logging
import ServiceLifecycle

/// Matrix chat by polling: `/sync` long-polls (30 s) with the `since` token persisted in the database, so a
/// restart neither replays old messages nor misses new ones; on first start it skips history. Acts on
/// `!incident ...` and `/incident ...` in its rooms, ignores its own messages, joins invited rooms that are
/// listed in `rooms` when `auto_join` is on (nothing outside the listed rooms), and reconnects with backoff when the homeserver is down (logged once, not a crash).
public struct MatrixPoller: Service {
    public let homeserver: String
    public let token: String
    public let rooms: Set<String>
    public let autoJoin: Bool
    public let service: IncidentService
    public let store: any IncidentStore & CursorStore
    public let transport: any HTTPTransport
    public let logger: Logger
    public let pollTimeoutMS: Int
    /// Records each event before acting on it, so an event that stopped the bot is skipped when `/sync` gives it
    /// again (the `since` token is saved after acting).
    public let inbound: InboundGuard?
    static let sinceKey = "matrix.since"

    public init(
        homeserver: String,
        token: String,
        rooms: [String],
        autoJoin: Bool,
        service: IncidentService,
        store: any IncidentStore & CursorStore,
        transport: any HTTPTransport,
        logger: Logger,
        pollTimeoutMS: Int = 30_000,
        inbound: InboundGuard? = nil
    ) {
        self.inbound = inbound
        self.homeserver = homeserver.hasSuffix("/") ? String(homeserver.dropLast()) : homeserver
        self.token = token
        self.rooms = Set(rooms)
        self.autoJoin = autoJoin
        self.service = service
        self.store = store
        self.transport = transport
        self.logger = logger
        self.pollTimeoutMS = pollTimeoutMS
    }

    struct Unavailable: Error {
        var reason: String
        var retryAfter: TimeInterval?
    }

    func get(_ path: String) async throws -> [String: Any] {
        let r: HTTPResponse
        do {
            r = try await transport.send(
                HTTPRequest(
                    method: "GET",
                    url: homeserver + path,
                    headers: [("Authorization", "Bearer \(token)")]
                )
            )
        } catch {
            throw Unavailable(reason: "\(error)", retryAfter: nil)
        }
        if r.status == 429 { throw Unavailable(reason: "M_LIMIT_EXCEEDED", retryAfter: MatrixAPI.retryAfter(r)) }
        guard r.status == 200, let json = (try? JSONSerialization.jsonObject(with: r.body)) as? [String: Any] else {
            throw Unavailable(reason: "HTTP \(r.status)", retryAfter: nil)
        }
        return json
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var me: String?
            var failures = 0
            while !Task.isCancelled {
                do {
                    if me == nil { me = try await get("/_matrix/client/v3/account/whoami")["user_id"] as? String }
                    let since = try await store.value(forKey: Self.sinceKey)
                    var path = "/_matrix/client/v3/sync?timeout=\(since == nil ? 0 : pollTimeoutMS)"
                    if let since { path += "&since=\(MatrixAPI.segment(since))" }
                    let sync = try await get(path)
                    if failures > 0 {
                        logger.info("matrix homeserver reachable again", metadata: ["homeserver": "\(homeserver)"])
                    }
                    failures = 0
                    if since != nil { await handle(sync, me: me ?? "") }
                    if let next = sync["next_batch"] as? String {
                        try await store.setValue(next, forKey: Self.sinceKey)
                    }
                } catch is CancellationError {
                    return
                } catch let e as Unavailable {
                    failures += 1
                    if failures == 1 {
                        logger.error(
                            "matrix homeserver unavailable; retrying with backoff",
                            metadata: ["homeserver": "\(homeserver)", "error": "\(e.reason)"]
                        )
                    }
                    let delay = e.retryAfter ?? min(30, pow(2, Double(min(failures, 5))) / 2)
                    try? await Task.sleep(nanoseconds: Bounds.nanoseconds(delay))
                } catch {
                    logger.error("matrix poller failed", metadata: ["error": "\(error)"])
                    try? await Task.sleep(nanoseconds: 2_000_000_000)
                }
            }
        }
    }

    /// Acts on the commands and invites of one `/sync` answer.
    func handle(_ sync: [String: Any], me: String) async {
        let roomsJSON = sync["rooms"] as? [String: Any] ?? [:]
        if autoJoin, let invites = roomsJSON["invite"] as? [String: Any] {
            for roomID in invites.keys where rooms.contains(roomID) {
                _ = try? await transport.send(
                    HTTPRequest(
                        url: "\(homeserver)/_matrix/client/v3/rooms/\(MatrixAPI.segment(roomID))/join",
                        headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                        body: Data("{}".utf8)
                    )
                )
                logger.info("matrix: joined invited room", metadata: ["room": "\(roomID)"])
            }
        }
        let joined = roomsJSON["join"] as? [String: Any] ?? [:]
        for (roomID, value) in joined where rooms.contains(roomID) {
            let events = ((value as? [String: Any])?["timeline"] as? [String: Any])?["events"] as? [[String: Any]] ?? []
            for event in events {
                guard event["type"] as? String == "m.room.message", let sender = event["sender"] as? String,
                    sender != me,
                    let content = event["content"] as? [String: Any], let body = content["body"] as? String,
                    CommandParser.isAddressed(body), let eventID = event["event_id"] as? String
                else { continue }
                let command = ChatCommand(
                    platform: "matrix",
                    channel: roomID,
                    user: sender,
                    text: body,
                    replyTo: eventID
                )
                let key = "matrix:\(eventID)"
                let service = self.service
                let poisoned = CommandOutcome(
                    reply: service.config.word(.poisoned, ["ref": eventID]),
                    ok: false
                )
                let store = self.store
                // The answer is queued inside the guarded work: "acted on to the end" includes it.
                @Sendable func answer(_ outcome: CommandOutcome) async {
                    if outcome.duplicate { return }
                    let now = service.clock.now()
                    _ = try? await store.write { tx in
                        try tx.enqueue(
                            OutboxMessage(
                                incidentID: outcome.incidentID,
                                destination: command.origin,
                                kind: PostKind.info.rawValue,
                                text: outcome.reply,
                                createdAt: now
                            )
                        )
                    }
                    service.onCommit()
                }
                if let inbound {
                    // Acted on: nil (answered inside); skipped as poison: the one-line answer to queue.
                    let skipped: CommandOutcome?? = await inbound.run(key, poisoned: { _ in .some(poisoned) }) {
                        await answer(await service.handle(command, deliveryKey: key))
                        return nil
                    }
                    if case .some(.some(let outcome)) = skipped { await answer(outcome) }
                } else {
                    await answer(await service.handle(command, deliveryKey: key))
                }
            }
        }
    }
}
