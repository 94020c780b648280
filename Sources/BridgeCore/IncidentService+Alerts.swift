import Foundation

/// The result of one Alertmanager notification.
public struct AlertOutcome: Sendable, Equatable {
    public enum Action: String, Sendable { case declared, noted, resolved, mitigated, ignored, duplicate }
    public var action: Action
    public var incidentID: IncidentID?
    public var message: String
}

extension IncidentService {
    /// Applies an Alertmanager notification: one incident per open `groupKey`; later firing payloads add a note;
    /// a resolved payload is recorded and mitigates when the route says `auto_mitigate`. Alerts inside a
    /// maintenance window are recorded and not paged. `deliveryKey` drops exact re-deliveries.
    public func ingest(_ n: AlertmanagerNotification, deliveryKey: String?) async throws -> AlertOutcome {
        guard let route = config.alertRoute(for: n.routingLabels) else {
            return AlertOutcome(
                action: .ignored,
                incidentID: nil,
                message: "no route matches \(n.routingLabels) and no default route"
            )
        }
        let now = clock.now()
        let config = self.config
        let renderer = self.renderer
        let lifecycle = self.lifecycle
        let tz = LocalTime(config.timeZone)
        let firing = n.firing
        let fingerprints = firing.compactMap(\.fingerprint).joined(separator: ", ")
        let result = try await store.write { tx -> AlertOutcome in
            if let key = deliveryKey, try !tx.recordInbound(key: key, at: now) {
                return AlertOutcome(action: .duplicate, incidentID: nil, message: "repeated delivery ignored")
            }
            let existing = try tx.openIncident(alertGroupKey: n.groupKey)
            if n.status == "firing" {
                if let inc = existing {
                    try tx.append(
                        TimelineEntry(
                            incidentID: inc.id,
                            at: now,
                            actor: "alertmanager",
                            kind: .alert,
                            text: "\(firing.count) alert(s) firing: \(fingerprints)"
                        )
                    )
                    return AlertOutcome(action: .noted, incidentID: inc.id, message: "note added to \(inc.id)")
                }
                let day = tz.dayStamp(now)
                let id = IncidentID.make(day: day, sequence: try tx.nextIncidentSequence(day: day))
                var fx = try lifecycle.declare(
                    id: id,
                    eventType: route.eventType,
                    severity: route.severity,
                    title: n.title,
                    actor: "alertmanager",
                    at: now,
                    origin: Destination(platform: "alertmanager", channel: n.receiver ?? "webhook")
                ).get()
                fx.incident.alertGroupKey = n.groupKey
                if fx.incident.maintenanceWindow != nil { fx.pages = [] }
                var fields: [String: String] = ["alert_summary": n.title]
                let labels = n.routingLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(
                    separator: " "
                )
                fields["alert_labels"] = labels
                var links: [String] = []
                if let g = firing.first?.generatorURL ?? n.alerts.first?.generatorURL { links.append(g) }
                if let r = n.commonAnnotations?["runbook_url"] ?? n.alerts.first?.annotations?["runbook_url"] {
                    links.append(r)
                }
                if !links.isEmpty { fields["alert_links"] = links.joined(separator: " · ") }
                for i in fx.posts.indices {
                    fx.posts[i].incident = fx.incident
                    fx.posts[i].fields.merge(fields) { a, _ in a }
                }
                fx.timeline.append(
                    TimelineEntry(
                        incidentID: id,
                        at: now,
                        actor: "alertmanager",
                        kind: .alert,
                        text: "\(firing.count) alert(s) firing: \(fingerprints) [\(labels)]"
                            + (fx.incident.maintenanceWindow != nil ? " (maintenance window: not paged)" : "")
                    )
                )
                try tx.insert(fx.incident)
                try Self.commit(fx, tx: tx, now: now, config: config, renderer: renderer)
                return AlertOutcome(action: .declared, incidentID: id, message: "\(id) declared")
            }
            guard let inc = existing else {
                return AlertOutcome(
                    action: .ignored,
                    incidentID: nil,
                    message: "resolved alert without an open incident"
                )
            }
            try tx.append(
                TimelineEntry(
                    incidentID: inc.id,
                    at: now,
                    actor: "alertmanager",
                    kind: .alert,
                    text: "alerts resolved: \(n.alerts.compactMap(\.fingerprint).joined(separator: ", "))"
                )
            )
            if route.autoMitigate, inc.state == .declared || inc.state == .acknowledged {
                let fx = try lifecycle.apply(.mitigate("alerts resolved"), to: inc, actor: "alertmanager", at: now)
                    .get()
                try tx.update(fx.incident)
                try Self.commit(fx, tx: tx, now: now, config: config, renderer: renderer)
                return AlertOutcome(action: .mitigated, incidentID: inc.id, message: "\(inc.id) mitigated")
            }
            return AlertOutcome(action: .resolved, incidentID: inc.id, message: "resolution recorded on \(inc.id)")
        }
        if result.action != .duplicate && result.action != .ignored { onCommit() }
        return result
    }
}
