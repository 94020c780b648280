import BridgeCore
import Foundation
import Prometheus

/// The Prometheus metrics of one `serve` process (a registry of its own: no global state).
public final class BridgeMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let escalations: Counter
    let slaBreaches: Counter
    let slaWarnings: Counter
    let reminders: Counter
    let delivered: Counter
    let deliveryFailed: Counter
    let deliveryRetried: Counter
    let deliveryLatency: ValueHistogram
    let timerLateness: ValueHistogram

    /// `incident_bridge_<metric>_<unit>` with its help text.
    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "incident_bridge", metricName: metric, unitName: unit, helpText: help)
    }

    /// Inbound requests refused, by route and reason.
    public func rejected(route: String, reason: String) {
        registry.makeCounter(
            descriptor: Self.name("inbound_rejected", "total", "Inbound requests refused, by route and reason."),
            labels: [("route", route), ("reason", reason)]
        )
        .increment()
    }

    /// Inbound events skipped as poison (an earlier attempt died while acting on them), by source.
    public func poisoned(source: String) {
        registry.makeCounter(
            descriptor: Self.name("inbound_poison_skipped", "total", "Inbound events skipped because acting on them crashed the bot before."),
            labels: [("source", source)]
        )
        .increment()
    }

    /// A refused command, counted once: every refusal by kind (`refusals_total{kind}`), and those of the
    /// authorization policy by verb and platform as well (`commands_refused_total`).
    public func refused(_ refusal: Refusal, platform: String) {
        registry.makeCounter(
            descriptor: Self.name("refusals", "total", "Commands refused, by kind (input, state, forbidden)."),
            labels: [("kind", refusal.kind.rawValue)]
        )
        .increment()
        guard refusal.kind == .forbidden, let action = refusal.action else { return }
        registry.makeCounter(
            descriptor: Self.name("commands_refused", "total", "Commands refused by the authorization policy."),
            labels: [("verb", action.rawValue), ("platform", platform)]
        )
        .increment()
    }

    public init() {
        escalations = registry.makeCounter(
            descriptor: Self.name("escalations_fired", "total", "Escalation steps fired.")
        )
        slaBreaches = registry.makeCounter(descriptor: Self.name("sla_breaches", "total", "SLA clocks breached."))
        slaWarnings = registry.makeCounter(descriptor: Self.name("sla_warnings", "total", "SLA warnings posted."))
        reminders = registry.makeCounter(descriptor: Self.name("update_reminders", "total", "Status-update reminders."))
        delivered = registry.makeCounter(descriptor: Self.name("outbox_delivered", "total", "Outbox rows delivered."))
        deliveryFailed = registry.makeCounter(
            descriptor: Self.name("outbox_failed", "total", "Outbox rows failed for good.")
        )
        deliveryRetried = registry.makeCounter(
            descriptor: Self.name("outbox_retries", "total", "Delivery attempts retried.")
        )
        deliveryLatency = registry.makeValueHistogram(
            descriptor: Self.name("delivery_latency", "seconds", "Seconds from commit to delivery of an outbox row."),
            buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 60, 300]
        )
        timerLateness = registry.makeValueHistogram(
            descriptor: Self.name("timer_lateness", "seconds", "Seconds between a timer's due time and its firing."),
            buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 60, 600]
        )
    }

    /// Records a fired timer.
    public func fired(_ timer: IncidentTimer, _ fx: LifecycleEffects?, now: Date) {
        timerLateness.record(max(0, now.timeIntervalSince(timer.dueAt)))
        guard fx != nil, let kind = fx?.posts.first?.kind else { return }
        switch kind {
        case .escalated: escalations.increment()
        case .slaBreach: slaBreaches.increment()
        case .slaWarning: slaWarnings.increment()
        case .reminder: reminders.increment()
        default: break
        }
    }

    /// The exposition text: process counters plus gauges read from the database at scrape time.
    public func render(openBySeverity: [String: Int], outbox: [String: Int]) -> String {
        var out = registry.emitToString()
        out +=
            "# HELP incident_bridge_open_incidents Open incidents by severity.\n# TYPE incident_bridge_open_incidents gauge\n"
        for (sev, n) in openBySeverity.sorted(by: { $0.key < $1.key }) {
            out += "incident_bridge_open_incidents{severity=\"\(sev)\"} \(n)\n"
        }
        out += "# HELP incident_bridge_outbox_rows Outbox rows by status.\n# TYPE incident_bridge_outbox_rows gauge\n"
        for (status, n) in outbox.sorted(by: { $0.key < $1.key }) {
            out += "incident_bridge_outbox_rows{status=\"\(status)\"} \(n)\n"
        }
        return out
    }
}
