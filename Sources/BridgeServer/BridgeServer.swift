import BridgeChat
import BridgeCore
import BridgePaging
import BridgePostgres
import BridgeStore
import BridgeTemplates
import BridgeTransport
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import ServiceLifecycle

/// `serve`: the HTTP routes, the scheduler, the outbox dispatcher and the console chat in one service group.
public struct BridgeServer: Sendable {
    public var host: String
    public var port: Int
    public var consoleUser: String
    public var logger: Logger

    public init(host: String = "127.0.0.1", port: Int = 8080, consoleUser: String = "console", logger: Logger) {
        self.host = host
        self.port = port
        self.consoleUser = consoleUser
        self.logger = logger
    }

    /// Everything `serve` runs, wired together; the same for the process and for tests.
    public struct Parts: Sendable {
        public var environment: BridgeEnvironment
        public var timerWake: WakeSignal
        public var outboxWake: WakeSignal
        public var metrics: BridgeMetrics
        public var schedulerBeat: Heartbeat
        public var dispatcherBeat: Heartbeat
        public var engine: TimerEngine
        public var dispatcher: DispatcherService
        public var scheduler: SchedulerService
        public var settings: PlatformSettings
        public var logger: Logger
        /// True when `serve` listens on a loopback address only (`/metrics` is then served without a token).
        public var loopbackOnly = true
        /// The last database write probe of `/healthz` (one write per interval, not one per request).
        public var writeProbe = WriteProbe()
        /// Slack Socket Mode and Mattermost WebSocket connections: their state in `/healthz`.
        public var connections = ChatConnections()
    }

    /// The platform adapters the settings ask for. Over libcurl each platform gets its own worker pool (a
    /// sibling of `transport`), so a hanging host holds back only its own platform's lanes.
    public static func posters(
        _ settings: PlatformSettings,
        config: BridgeConfiguration,
        transport: any HTTPTransport
    ) throws -> [any ChatPoster] {
        let perPlatform: @Sendable (String) -> any HTTPTransport = { _ in
            (transport as? CurlTransport)?.sibling() ?? transport
        }
        let start = ChatStart(config: config, secrets: settings.secrets, transport: perPlatform, publicURL: settings.publicURL)
        return try settings.chat.posters(start: start) + settings.pagers.posters(config: config, transport: perPlatform)
    }

    /// Builds the parts around a loaded config and database path.
    public static func parts(
        config: BridgeConfiguration,
        dbPath: String,
        clock: any BridgeClock = SystemClock(),
        settings: PlatformSettings? = nil,
        transport: (any HTTPTransport)? = nil,
        templates: String? = nil,
        logger: Logger
    ) throws -> Parts {
        var config = config
        if config.words.isEmpty {
            let directory = templates ?? MustacheRenderer.defaultDirectory(configPath: config.sourcePath)
            config.words = try WordCatalogue.load(directory: directory)
        }
        let settings = try settings ?? PlatformSettings(config: config)
        let posters = try transport.map { try Self.posters(settings, config: config, transport: $0) } ?? []
        let timerWake = WakeSignal()
        let outboxWake = WakeSignal()
        var env = try BridgeEnvironment(
            config: config, dbPath: dbPath, clock: clock, templates: templates, chat: settings.chat.registry
        ) {
            timerWake.signal()
            outboxWake.signal()
        }
        env.service.crashOn = ProcessInfo.processInfo.environment["INCIDENT_BRIDGE_TEST_CRASH_ON"]
        let metrics = BridgeMetrics()
        // A refusal is counted and logged; it is not an event of the incident, so not in its timeline.
        env.service.onRefusal = { refusal, command in
            metrics.refused(refusal, platform: command.platform)
            guard refusal.kind == .forbidden else { return }
            logger.notice(
                "command refused",
                metadata: [
                    "verb": "\(refusal.action?.rawValue ?? "-")", "actor": "\(refusal.actor ?? "-")",
                    "platform": "\(command.platform)", "channel": "\(command.channel)",
                ]
            )
        }
        let engine = TimerEngine(config: config, store: env.store, outgoing: env.outgoing, clock: clock) { timer, fx in
            metrics.fired(timer, fx, now: clock.now())
            if fx != nil { outboxWake.signal() }
        }
        let sBeat = Heartbeat()
        let dBeat = Heartbeat()
        let dispatcher = DispatcherService(
            outbox: env.store,
            posters: posters,
            fallback: ConsolePoster(),
            clock: clock,
            wake: outboxWake,
            metrics: metrics,
            heartbeat: dBeat,
            logger: logger
        )
        var scheduler = SchedulerService(engine: engine, wake: timerWake, heartbeat: sBeat, logger: logger)
        if env.store is PostgresStore { scheduler.pollEvery = 2 }
        var parts = Parts(
            environment: env,
            timerWake: timerWake,
            outboxWake: outboxWake,
            metrics: metrics,
            schedulerBeat: sBeat,
            dispatcherBeat: dBeat,
            engine: engine,
            dispatcher: dispatcher,
            scheduler: scheduler,
            settings: settings,
            logger: logger
        )
        parts.connections = ChatConnections(registry: metrics.registry)
        return parts
    }

    /// The HTTP routes of `serve`.
    public static func router(_ parts: Parts) -> Router<BasicRequestContext> {
        let router = Router()
        let store = parts.environment.store
        ChatRoutes(
            service: parts.environment.service,
            store: store,
            settings: parts.settings,
            metrics: parts.metrics,
            logger: parts.logger
        ).register(on: router)
        AlertRoutes(
            service: parts.environment.service,
            token: parts.settings.alertmanagerToken,
            metrics: parts.metrics,
            logger: parts.logger,
            inbound: ChatRoutes.inboundGuard(
                store: store,
                clock: parts.environment.clock,
                metrics: parts.metrics,
                logger: parts.logger,
                retriesAfterCrash: 1
            )
        ).register(on: router)
        let pages = IncidentPages(parts: parts)
        pages.register(on: router)
        OnCallRoutes(
            config: parts.environment.config,
            store: store,
            clock: parts.environment.clock,
            pages: pages
        ).register(on: router)
        // With a read token /metrics always needs it (a reverse proxy in front makes every caller look local);
        // without one it is served on loopback only, or to anyone with `public_pages`.
        let http = parts.environment.config.http
        let metricsOpen = http.publicPages || (http.readTokenEnv == nil && parts.loopbackOnly)
        router.get("/healthz") { _, _ -> Response in
            let health = await Self.health(parts)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; charset=utf-8"
            return Response(
                status: health.ok ? .ok : .serviceUnavailable,
                headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: health.text + "\n"))
            )
        }
        router.get("/metrics") { request, _ -> Response in
            if !metricsOpen && !pages.authorized(request) {
                parts.metrics.rejected(route: "/metrics", reason: "unauthorized")
                return Response(status: .unauthorized)
            }
            let open = try await store.read { try $0.openIncidents() }
            let outbox = try await store.outboxCounts()
            var bySeverity: [String: Int] = [:]
            for s in parts.environment.config.severities.keys { bySeverity[s] = 0 }
            for i in open { bySeverity[i.severity, default: 0] += 1 }
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(
                status: .ok,
                headers: headers,
                body: .init(
                    byteBuffer: ByteBuffer(string: parts.metrics.render(openBySeverity: bySeverity, outbox: outbox))
                )
            )
        }
        return router
    }

    /// The HTTP application of `serve`: the routes behind the connection cap and the idle, header and body
    /// timeouts of `http.*` (descriptors stay bounded however many sockets a client opens).
    public static func application(
        _ parts: Parts,
        host: String,
        port: Int
    ) -> Application<RouterResponder<BasicRequestContext>> {
        let metrics = parts.metrics
        let limiter = ConnectionLimiter(limits: ConnectionLimits(parts.environment.config.http)) { reason in
            metrics.rejected(route: "*", reason: reason)
        }
        return Application(
            router: Self.router(parts),
            server: limiter.http1(),
            configuration: .init(address: .hostname(host, port: port), serverName: "incident-bridge"),
            logger: parts.logger
        )
    }

    /// How long due work may wait, with its loop silent, before `/healthz` calls the loop stalled.
    public static let stallAfter: Double = 60

    /// Database writable, scheduler and dispatcher started and not stalled.
    public static func health(_ parts: Parts) async -> (ok: Bool, text: String) {
        var problems: [String] = []
        let store = parts.environment.store
        if let error = await parts.writeProbe.result(now: parts.environment.clock.now(), probe: {
            try await store.probeWrite()
        }) {
            problems.append("database not writable: \(error)")
        }
        if parts.schedulerBeat.lastBeat == nil { problems.append("scheduler has not started") }
        if parts.dispatcherBeat.lastBeat == nil { problems.append("dispatcher has not started") }
        // Stalled: work has been due for longer than `stallAfter` and the loop has made no progress meanwhile.
        let now = parts.environment.service.clock.now()
        func quiet(_ beat: Heartbeat) -> Double? {
            beat.lastBeat.map { now.timeIntervalSince($0) }.flatMap { $0 > stallAfter ? $0 : nil }
        }
        if let since = quiet(parts.schedulerBeat),
            let due = try? await store.read({ try $0.nextTimerDue() }), now.timeIntervalSince(due) > stallAfter
        {
            problems.append(
                "scheduler stalled: a timer is \(Int(now.timeIntervalSince(due))) s overdue and the scheduler "
                    + "made no progress for \(Int(since)) s"
            )
        }
        if let since = quiet(parts.dispatcherBeat),
            let head = try? await store.dueMessages(now: now.addingTimeInterval(-stallAfter), platforms: nil, limit: 1)
                .first
        {
            problems.append(
                "dispatcher stalled: outbox row \(head.id ?? 0) for \(head.destination.platform) has been due "
                    + "\(Int(now.timeIntervalSince(head.nextAttemptAt))) s and the dispatcher made no progress for "
                    + "\(Int(since)) s"
            )
        }
        // Outbound chat connections: reconnecting for longer than a minute, or stopped, is a problem.
        let sockets = parts.connections.health(now: now, grace: stallAfter)
        if !sockets.ok { problems.append("chat connection down") }
        let status = problems.isEmpty ? "ok" : problems.joined(separator: "; ")
        return (problems.isEmpty, ([status] + sockets.lines).joined(separator: "\n"))
    }

    /// Runs until SIGTERM/SIGINT.
    public func run(
        config: BridgeConfiguration,
        dbPath: String,
        console: Bool,
        settings: PlatformSettings,
        transport: any HTTPTransport
    ) async throws {
        var parts = try Self.parts(
            config: config,
            dbPath: dbPath,
            settings: settings,
            transport: transport,
            logger: logger
        )
        parts.loopbackOnly = Perimeter.isLoopback(host)
        let app = Self.application(parts, host: host, port: port)
        let retention = RetentionService(
            store: parts.environment.store,
            retention: config.retention,
            clock: parts.environment.clock,
            logger: logger
        )
        let outboxWake = parts.outboxWake
        let announcer = OnCallAnnouncer(
            store: parts.environment.store,
            outgoing: parts.environment.outgoing,
            config: config,
            clock: parts.environment.clock,
            logger: logger
        ) { outboxWake.signal() }
        let storage = parts.environment.store
        // Loops that must run once among instances sharing a database hold a lease (always held with SQLite).
        func single(_ name: String, _ service: any Service) -> any Service {
            LeasedService(name, storage: storage, inner: service, logger: logger)
        }
        var services: [any Service] = [app, parts.scheduler, parts.dispatcher, single("retention", retention)]
        // Held while this process runs (taken again if its connection breaks): other instances tell from it that
        // an event it was acting on is not a poison event but one still in hand (`InboundGuard`).
        var instance = LeasedService(BridgeInstance.lease(BridgeInstance.id), storage: storage, inner: HoldService(), logger: logger)
        instance.announce = false
        services.append(instance)
        // A service that returns ends the group: the announcer runs only when a schedule announces.
        if config.schedules.values.contains(where: \.announce) { services.append(announcer) }
        if let m = parts.settings.matrix {
            services.append(
                single("matrix-sync", MatrixPoller(
                    homeserver: m.homeserver,
                    token: m.token,
                    rooms: m.rooms,
                    autoJoin: m.autoJoin,
                    service: parts.environment.service,
                    store: parts.environment.store,
                    transport: CurlTransport(connectTimeout: 5, timeout: 45, workers: 1),
                    logger: logger,
                    inbound: ChatRoutes.inboundGuard(
                        store: storage,
                        clock: parts.environment.clock,
                        metrics: parts.metrics,
                        logger: logger
                    )
                ))
            )
        }
        let routes = ChatRoutes(
            service: parts.environment.service,
            store: parts.environment.store,
            settings: parts.settings,
            metrics: parts.metrics,
            logger: logger
        )
        if let s = parts.settings.slack, s.socketMode, let token = s.appToken {
            services.append(
                SlackSocketModeService(
                    apiBase: s.apiBase,
                    appToken: token,
                    routes: routes,
                    transport: CurlTransport(connectTimeout: 5, timeout: 15, workers: 1),
                    connections: parts.connections,
                    logger: logger
                )
            )
        }
        if let m = parts.settings.mattermost, m.websocket, let url = m.url, let token = m.botToken {
            services.append(
                single("mattermost-websocket", MattermostSocketService(
                    server: url,
                    token: token,
                    channelID: m.channelID,
                    routes: routes,
                    transport: CurlTransport(connectTimeout: 5, timeout: 30, workers: 1),
                    connections: parts.connections,
                    logger: logger
                ))
            )
        }
        if console { services.append(ConsoleInputService(service: parts.environment.service, user: consoleUser)) }
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        let files = FileLimit.raiseSoftToHard()
        if let files, files.soft < UInt64(config.http.maxConnections) + 128 {
            logger.warning(
                "http.max_connections leaves too few open files (ulimit -n): lower it or raise LimitNOFILE",
                metadata: ["http.max_connections": "\(config.http.maxConnections)", "nofile": "\(files.soft)"]
            )
        }
        logger.info(
            "incident-bridge serving",
            metadata: [
                "http": "\(host):\(port)", "db": "\(parts.environment.store.location)",
                "http.max_connections": "\(config.http.maxConnections)", "nofile": "\(files.map { "\($0.soft)" } ?? "?")",
            ]
        )
        try await group.run()
    }
}

/// `/healthz`'s database write probe, cached: an unauthenticated GET must not cost a write each time.
public final class WriteProbe: @unchecked Sendable {
    /// How long one probe result stands.
    public let interval: TimeInterval
    private let lock = NSLock()
    private var last: (at: Date, error: String?)?
    /// Probes run, for tests.
    public private(set) var probes = 0

    public init(interval: TimeInterval = 10) { self.interval = interval }

    /// The error of the latest probe (nil: writable), probing again when the last one is older than `interval`.
    public func result(now: Date, probe: () async throws -> Void) async -> String? {
        if let l = lock.withLock({ last }), now.timeIntervalSince(l.at) < interval { return l.error }
        var failure: String?
        do { try await probe() } catch { failure = "\(error)" }
        lock.withLock {
            last = (now, failure)
            probes += 1
        }
        return failure
    }
}
