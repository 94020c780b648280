import Foundation

/// Writing a lifecycle step's effects: timers, timeline, posts to every destination and pages, in the caller's
/// transaction (all or nothing).
extension IncidentService {
    /// Writes the effects of a lifecycle step inside the caller's transaction: its posts to the incident's
    /// channels, its pages as the pager composer routes them.
    public static func commit(
        _ fx: LifecycleEffects,
        tx: any IncidentTransaction,
        now: Date,
        outgoing: Outgoing
    ) throws {
        try write(prepare(fx, now: now, outgoing: outgoing), tx: tx)
    }

    /// The effects of a lifecycle step with every post rendered and every page routed: pure, so it can run
    /// outside the writer.
    public struct PreparedEffects: Sendable {
        public enum Row: Sendable {
            case outbox(OutboxMessage)
            case timeline(TimelineEntry)
        }
        public var effects: LifecycleEffects
        /// When the step happened (timers cancelled then).
        public var now: Date
        /// Outbox rows and page timeline entries in the order they are written (it is the delivery order).
        public var rows: [Row]
    }

    public static func prepare(_ fx: LifecycleEffects, now: Date, outgoing: Outgoing) -> PreparedEffects {
        var rows: [PreparedEffects.Row] = []
        let destinations = outgoing.channels.destinations(origin: fx.incident.origin)
        for post in fx.posts {
            for d in destinations {
                let text = outgoing.renderer.render(post, for: d.platform)
                let message = OutboxMessage(
                    incidentID: fx.incident.id,
                    destination: d,
                    kind: post.kind.rawValue,
                    text: text,
                    mentions: post.mentions,
                    createdAt: now
                )
                rows.append(.outbox(message))
            }
        }
        for request in fx.pages {
            let (outbox, entries) = outgoing.pager.rows(for: request, incident: fx.incident, now: now)
            rows += outbox.map { .outbox($0) } + entries.map { .timeline($0) }
        }
        return PreparedEffects(effects: fx, now: now, rows: rows)
    }

    /// Writes prepared effects (timers, timeline, outbox) inside the caller's transaction; the incident row
    /// itself is the caller's.
    public static func write(_ p: PreparedEffects, tx: any IncidentTransaction) throws {
        let fx = p.effects
        for c in fx.cancel { try tx.cancelTimers(fx.incident.id, c, at: p.now) }
        for t in fx.schedule { try tx.schedule(t, at: p.now) }
        for e in fx.timeline { try tx.append(e) }
        for row in p.rows {
            switch row {
            case .outbox(let m): try tx.enqueue(m)
            case .timeline(let e): try tx.append(e)
            }
        }
    }
}
