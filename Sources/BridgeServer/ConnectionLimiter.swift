import BridgeCore
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP server's bounds: how many connections may be open, and how long a connection may sit idle, take to
/// send a request's head, or take to send its body (`http.max_connections`, `http.*_timeout`).
public struct ConnectionLimits: Sendable, Equatable {
    public var maxConnections: Int
    public var idleTimeout: TimeAmount
    public var headerTimeout: TimeAmount
    public var bodyTimeout: TimeAmount

    public init(_ http: BridgeConfiguration.HTTPSettings) {
        maxConnections = max(1, http.maxConnections)
        idleTimeout = .seconds(Int64(max(1, http.idleTimeout.seconds)))
        headerTimeout = .seconds(Int64(max(1, http.headerTimeout.seconds)))
        bodyTimeout = .seconds(Int64(max(1, http.bodyTimeout.seconds)))
    }
}

/// Open HTTP connections of one server, across its event loops. At the cap a new connection takes the place of
/// the connection that has been idle longest (no request being read or answered: an idle keep-alive, or a head
/// still trickling in); when every connection is busy with a request, the new one is answered 503 and closed.
/// So idle sockets, however many, never lock out `/healthz`, and the descriptors in use stay bounded.
public final class ConnectionLimiter: @unchecked Sendable {
    /// What to do with a new connection.
    enum Admission {
        case admitted
        /// Admitted in place of this connection, which the caller closes.
        case admittedEvicting(any Channel)
        case refused
    }

    struct Entry {
        let channel: any Channel
        /// Since when the connection has had no request in progress; nil while it has one.
        var evictableSince: NIODeadline?
    }

    public let limits: ConnectionLimits
    /// Called with a reason (`connection_cap`, `connection_evicted`, `header_timeout`, `body_timeout`) for every
    /// connection the server closes on its own; counted in `/metrics`.
    let onDrop: @Sendable (String) -> Void
    private let lock = NSLock()
    private var open: [ObjectIdentifier: Entry] = [:]

    public init(limits: ConnectionLimits, onDrop: @escaping @Sendable (String) -> Void = { _ in }) {
        self.limits = limits
        self.onDrop = onDrop
    }

    /// Connections open now.
    public var count: Int { lock.withLock { open.count } }

    func admit(_ channel: any Channel, now: NIODeadline) -> Admission {
        let id = ObjectIdentifier(channel)
        return lock.withLock {
            if open.count < limits.maxConnections {
                open[id] = Entry(channel: channel, evictableSince: now)
                return .admitted
            }
            var victim: (id: ObjectIdentifier, since: NIODeadline)?
            for (key, entry) in open {
                guard let since = entry.evictableSince else { continue }
                if victim == nil || since < victim!.since { victim = (key, since) }
            }
            guard let victim, let evicted = open.removeValue(forKey: victim.id) else { return .refused }
            open[id] = Entry(channel: channel, evictableSince: now)
            return .admittedEvicting(evicted.channel)
        }
    }

    /// Records whether the connection has a request in progress (nil) or since when it has had none.
    func mark(_ channel: any Channel, evictableSince: NIODeadline?) {
        let id = ObjectIdentifier(channel)
        lock.withLock {
            if open[id] != nil { open[id]?.evictableSince = evictableSince }
        }
    }

    func release(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        _ = lock.withLock { open.removeValue(forKey: id) }
    }

    /// The HTTP/1.1 server of `serve` with these limits: Hummingbird's HTTP1 channel behind a `ConnectionGuard`.
    public func http1() -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            GuardedHTTP1Channel(
                inner: HTTP1Channel(
                    responder: responder,
                    configuration: .init(additionalChannelHandlers: [RequestWatch()])
                ),
                limiter: self
            )
        }
    }
}

/// Hummingbird's HTTP1 child channel with a `ConnectionGuard` in front of its HTTP decoder.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    let inner: HTTP1Channel
    let limiter: ConnectionLimiter

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let limiter = self.limiter
        return channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(ConnectionGuard(limiter: limiter, logger: logger))
        }
        .flatMap { self.inner.setup(channel: channel, logger: logger) }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// The process's limit on open files: `serve` raises the soft limit to the hard one at startup (systemd's default
/// soft limit is 1,024), so the connection cap, the database, libcurl and the chat sockets fit under it.
public enum FileLimit {
    /// Raises the soft RLIMIT_NOFILE to the hard limit; returns the limits in force afterwards.
    @discardableResult
    public static func raiseSoftToHard() -> (soft: UInt64, hard: UInt64)? {
        #if canImport(Glibc)
            var limit = rlimit()
            guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
            if limit.rlim_cur < limit.rlim_max {
                var raised = limit
                raised.rlim_cur = limit.rlim_max
                if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
            }
            return (UInt64(limit.rlim_cur), UInt64(limit.rlim_max))
        #else
            return nil
        #endif
    }
}
