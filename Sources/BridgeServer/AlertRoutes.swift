import BridgeChat
import BridgeAlerts
import BridgeCore
import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// `POST /alerts/<source>` (Alertmanager webhook v4 today, `AlertSources.all`): optional bearer token, the
/// source's decoder, one incident per open group.
public struct AlertRoutes: Sendable {
    public let service: IncidentService
    /// The alert source this route serves.
    public let source: any AlertSource
    /// The bearer token Alertmanager must send (`alerts.alertmanager.token_env`), if configured.
    public let token: String?
    public let metrics: BridgeMetrics
    public let logger: Logger
    /// Records each notification before acting on it; one that crashed the bot before is answered 200 and skipped.
    public let inbound: InboundGuard?

    public init(
        service: IncidentService,
        token: String?,
        metrics: BridgeMetrics,
        logger: Logger,
        inbound: InboundGuard? = nil,
        source: any AlertSource = AlertSources.all[0]
    ) {
        self.service = service
        self.source = source
        self.token = token
        self.metrics = metrics
        self.logger = logger
        self.inbound = inbound
    }

    public func register(on router: Router<BasicRequestContext>) {
        router.post(RouterPath(source.route)) { request, _ in await self.alertmanager(request) }
    }

    func reject(_ status: HTTPResponse.Status, _ reason: String) -> Response {
        ChatRoutes.reject(status, reason, route: source.route, metrics: metrics, logger: logger)
    }

    func alertmanager(_ request: Request) async -> Response {
        if let token {
            let auth = ChatRoutes.header(request, .authorization) ?? ""
            let given = auth.hasPrefix("Bearer ") ? String(auth.dropFirst(7)) : ""
            guard constantTimeEquals(Array(given.utf8), Array(token.utf8)) else {
                return reject(.unauthorized, "missing or wrong bearer token")
            }
        }
        guard let body = await ChatRoutes.body(request) else { return reject(.contentTooLarge, "body over 1 MiB") }
        let notification: DecodedAlert
        switch source.decode(body) {
        case .success(let n): notification = n
        case .failure(let reason):
            // Alertmanager's answer is English whatever the config's language.
            return reject(.badRequest, "malformed \(source.name) payload: \(reason.text(service.config.words, .en))")
        }
        let key = "\(source.id):" + hexString(SHA256.hash(data: body))
        if let inbound {
            switch await inbound.begin(key) {
            case .act(let settle):
                let response = await ingest(notification, key: key)
                if settle { await inbound.finish(key) }
                return response
            case .poisoned, .ignore:
                // Alertmanager would send the same notification again and again: it is logged and counted instead.
                return ChatRoutes.json(["action": "skipped", "message": "this notification stopped the bot before; skipped (logged)"])
            }
        }
        return await ingest(notification, key: key)
    }

    func ingest(_ notification: DecodedAlert, key: String) async -> Response {
        do {
            let outcome = try await service.ingest(notification.signal, deliveryKey: key)
            // A storm repeats the same group thousands of times: only what changes an incident is logged at info.
            let level: Logger.Level = [.declared, .mitigated, .resolved].contains(outcome.action) ? .info : .debug
            logger.log(
                level: level,
                "alert notification",
                metadata: [
                    "group": "\(notification.group)", "action": "\(outcome.action.rawValue)",
                    "incident.id": "\(outcome.incidentID?.rawValue ?? "-")",
                ]
            )
            var out: [String: String] = ["action": outcome.action.rawValue, "message": outcome.message]
            if let id = outcome.incidentID { out["incident_id"] = id.rawValue }
            return ChatRoutes.json(out)
        } catch let e as LifecycleError {
            // A route naming something the config lacks: tell Alertmanager not to retry in vain.
            return reject(.unprocessableContent, e.text(service.config.words, .en))
        } catch {
            logger.error("alert ingestion failed", metadata: ["error": "\(error)"])
            return ChatRoutes.text(.internalServerError, "cannot record the alert; retry")
        }
    }
}
