import Foundation
import Prometheus

/// The outbound chat connections of `serve` (Slack Socket Mode, Mattermost's WebSocket): their state for
/// `/healthz`, and their counters for `/metrics`.
public final class ChatConnections: @unchecked Sendable {
    public enum State: Sendable, Equatable {
        case connecting(since: Date)
        case connected(since: Date)
        case reconnecting(since: Date, error: String)
        /// Will not reconnect by itself (a refused token, `link_disabled`): the operator has to act.
        case stopped(reason: String)
    }

    private let lock = NSLock()
    private var states: [String: State] = [:]
    let registry: PrometheusCollectorRegistry?

    public init(registry: PrometheusCollectorRegistry? = nil) { self.registry = registry }

    public func set(_ name: String, _ state: State) { lock.withLock { states[name] = state } }

    /// Keeps `since` while the state stays the same kind (reconnecting since the first failure).
    public func reconnecting(_ name: String, error: String, now: Date) {
        lock.withLock {
            if case .reconnecting(let since, _) = states[name] {
                states[name] = .reconnecting(since: since, error: error)
            } else {
                states[name] = .reconnecting(since: now, error: error)
            }
        }
    }

    public var snapshot: [(name: String, state: State)] {
        lock.withLock { states.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
    }

    /// `/healthz` lines, and whether the connections are healthy: reconnecting for longer than `grace` seconds
    /// or stopped is unhealthy (no commands reach the bot).
    public func health(now: Date, grace: Double) -> (ok: Bool, lines: [String]) {
        var ok = true
        var lines: [String] = []
        let iso = ISO8601DateFormatter()
        for (name, state) in snapshot {
            switch state {
            case .connecting(let since):
                lines.append("\(name): connecting since \(iso.string(from: since))")
                if now.timeIntervalSince(since) > grace { ok = false }
            case .connected(let since):
                lines.append("\(name): connected since \(iso.string(from: since))")
            case .reconnecting(let since, let error):
                lines.append("\(name): reconnecting since \(iso.string(from: since)) (\(error))")
                if now.timeIntervalSince(since) > grace { ok = false }
            case .stopped(let reason):
                lines.append("\(name): stopped: \(reason)")
                ok = false
            }
        }
        return (ok, lines)
    }

    func count(_ metric: String, _ help: String, _ labels: [(String, String)]) {
        registry?.makeCounter(
            descriptor: BridgeMetrics.name(metric, "total", help),
            labels: labels
        ).increment()
    }

    /// A connection that said hello.
    public func opened(_ platform: String) {
        count("chat_connections", "Chat connections opened (Socket Mode, WebSocket).", [("platform", platform)])
    }

    /// A new connection after a lost one (not a planned refresh).
    public func reconnected(_ platform: String) {
        count("chat_reconnects", "Chat connections re-opened after a loss.", [("platform", platform)])
    }

    /// An envelope or event acted on.
    public func envelope(_ platform: String, type: String) {
        count("chat_envelopes", "Envelopes and events received over chat connections.", [("platform", platform), ("type", type)])
    }
}

/// Exponential backoff with full jitter: attempt 1 waits up to 1 s, then 2, 4, ... capped at `cap` seconds.
public struct Backoff: Sendable {
    public var cap: Double = 30
    public init(cap: Double = 30) { self.cap = cap }
    public func delay(attempt: Int) -> Double {
        let ceiling = min(cap, pow(2, Double(max(0, min(attempt, 10) - 1))))
        return Double.random(in: (ceiling / 2)...ceiling)
    }
}
