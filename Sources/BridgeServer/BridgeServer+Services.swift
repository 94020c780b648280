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

/// The long-running services of `serve` in one service group.
extension BridgeServer {
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
