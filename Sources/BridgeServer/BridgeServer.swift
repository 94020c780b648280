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

/// `serve`: the HTTP routes, the scheduler, the outbox dispatcher and the console chat in one service group. This
/// file is the composition root (`Parts`, `parts`, `posters`); routes in `+Routes`, `/healthz` in `+Health`, the
/// service group in `+Services`.
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
            config: config,
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
}
