import Foundation

/// The result of one alert notification.
public struct AlertOutcome: Sendable, Equatable {
    public enum Action: String, Sendable { case declared, noted, resolved, mitigated, ignored, duplicate }
    public var action: Action
    public var incidentID: IncidentID?
    public var message: String
}

extension IncidentService {
    /// Applies an alert signal: one incident per open group key; later firing notifications add a note;
    /// a resolved notification is recorded and mitigates when the route says `auto_mitigate`. Alerts inside a
    /// maintenance window are recorded and not paged. `deliveryKey` drops exact re-deliveries.
    public func ingest(_ n: AlertSignal, deliveryKey: String?) async throws -> AlertOutcome {
        guard let route = config.alertRoute(for: n.routingLabels) else {
            return AlertOutcome(
                action: .ignored,
                incidentID: nil,
                message: "no route matches \(n.routingLabels) and no default route"
            )
        }
        let now = clock.now()
        let service = self
        let result = try await store.write { tx -> AlertOutcome in
            if let key = deliveryKey, try !tx.recordInbound(key: key, at: now) {
                return AlertOutcome(action: .duplicate, incidentID: nil, message: "repeated delivery ignored")
            }
            let existing = try tx.openIncident(alertGroupKey: n.groupKey)
            switch (n.status, existing) {
            case (.firing, let inc?):
                // Name the alerts that are new to this incident (known ones were named in earlier entries).
                let known = try tx.knownAlerts(inc.id, among: n.firing.compactMap(\.fingerprint))
                let new = n.firing.filter { a in a.fingerprint.map { !known.contains($0) } ?? true }
                try tx.rememberAlerts(inc.id, new.compactMap(\.fingerprint))
                let text =
                    new.isEmpty
                    ? service.config.word(.entryAlertsStillFiring, ["count": String(n.firing.count)])
                    : service.config.word(
                        .entryAlertsNew,
                        ["new": String(new.count), "count": String(n.firing.count), "alerts": n.describe(new)]
                    )
                try tx.append(service.alertEntry(inc.id, n, now: now, text: text))
                return AlertOutcome(action: .noted, incidentID: inc.id, message: "note added to \(inc.id)")
            case (.firing, nil):
                return try service.declare(from: n, route: route, tx: tx, now: now)
            case (.resolved, nil):
                return AlertOutcome(
                    action: .ignored,
                    incidentID: nil,
                    message: "resolved alert without an open incident"
                )
            case (.resolved, let inc?):
                return try service.recordResolution(n, of: inc, route: route, tx: tx, now: now)
            }
        }
        if result.action != .duplicate && result.action != .ignored { onCommit() }
        return result
    }

    func alertEntry(_ id: IncidentID, _ n: AlertSignal, now: Date, text: String) -> TimelineEntry {
        TimelineEntry(incidentID: id, at: now, actor: n.source, kind: .alert, text: text)
    }

    func firingText(_ n: AlertSignal) -> String {
        config.word(.entryAlertsFiring, ["count": String(n.firing.count), "alerts": n.describe(n.firing)])
    }

    /// Opens an incident for a newly firing group, with the alert's summary, labels and links in its posts.
    func declare(
        from n: AlertSignal,
        route: BridgeConfiguration.AlertRoute,
        tx: any IncidentTransaction,
        now: Date
    ) throws -> AlertOutcome {
        let day = LocalTime(config.timeZone).dayStamp(now)
        let id = IncidentID.make(day: day, sequence: try tx.nextIncidentSequence(day: day))
        var lifecycle = self.lifecycle
        lifecycle.overrides = try tx.overridesInForce(config, at: now)
        var fx = try lifecycle.declare(
            id: id,
            eventType: route.eventType,
            severity: route.severity,
            title: n.title,
            actor: n.source,
            at: now,
            origin: Destination(platform: n.source, channel: n.receiver ?? "webhook")
        ).get()
        fx.incident.alertGroupKey = n.groupKey
        if fx.incident.maintenanceWindow != nil { fx.pages = [] }
        let labels = n.routingLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        var fields: [String: String] = ["alert_summary": n.title, "alert_labels": labels]
        var links: [String] = []
        if let g = n.firing.first?.generatorURL ?? n.alerts.first?.generatorURL { links.append(g) }
        if let r = n.commonAnnotations?["runbook_url"] ?? n.alerts.first?.annotations["runbook_url"] {
            links.append(r)
        }
        if !links.isEmpty { fields["alert_links"] = links.joined(separator: " · ") }
        for i in fx.posts.indices {
            fx.posts[i].incident = fx.incident
            fx.posts[i].fields.merge(fields) { a, _ in a }
        }
        let quiet = fx.incident.maintenanceWindow != nil ? config.word(.entryNotPaged) : ""
        let text = config.word(.entryAlertDeclared, ["firing": firingText(n), "labels": labels, "quiet": quiet])
        fx.timeline.append(alertEntry(id, n, now: now, text: text))
        try tx.insert(fx.incident)
        try tx.rememberAlerts(id, n.firing.compactMap(\.fingerprint))
        try Self.commit(fx, tx: tx, now: now, outgoing: outgoing)
        return AlertOutcome(action: .declared, incidentID: id, message: "\(id) declared")
    }

    /// Records a resolved group on its incident, and mitigates it when the route says so.
    func recordResolution(
        _ n: AlertSignal,
        of inc: Incident,
        route: BridgeConfiguration.AlertRoute,
        tx: any IncidentTransaction,
        now: Date
    ) throws -> AlertOutcome {
        let resolved = n.alerts.filter { $0.status == .resolved }
        let alerts = n.describe(resolved.isEmpty ? n.alerts : resolved)
        try tx.append(alertEntry(inc.id, n, now: now, text: config.word(.entryAlertsResolved, ["alerts": alerts])))
        guard route.autoMitigate, inc.state == .declared || inc.state == .acknowledged else {
            return AlertOutcome(action: .resolved, incidentID: inc.id, message: "resolution recorded on \(inc.id)")
        }
        let fx = try lifecycle.apply(.mitigate(config.word(.entryAlertsResolvedMitigated)), to: inc, actor: n.source, at: now)
            .get()
        try tx.update(fx.incident)
        try Self.commit(fx, tx: tx, now: now, outgoing: outgoing)
        return AlertOutcome(action: .mitigated, incidentID: inc.id, message: "\(inc.id) mitigated")
    }
}
