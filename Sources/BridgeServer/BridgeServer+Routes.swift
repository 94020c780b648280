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

/// The HTTP side of `serve`: its routes and the application behind the connection cap and timeouts.
extension BridgeServer {
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
}
