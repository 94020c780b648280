import Foundation
import Logging
import NIOCore
import NIOHTTPTypes

/// Where one HTTP connection stands, and so when the server closes it: a request's head must arrive within the
/// header timeout of its first byte (of the connect, for the first request), its body within the body timeout
/// of the head, and a keep-alive connection may sit idle for the idle timeout. A value: no clock, no channel.
struct ConnectionPhase: Equatable {
    /// A request head has been read and its end has not.
    var requestOpen = false
    /// Requests read and not answered yet (more than one when pipelined).
    var responsesOpen = 0
    /// The first byte of the next request's head (the connect, for the first request); nil while idle.
    var headStartedAt: NIODeadline?
    /// When the latest head was read.
    var headAt: NIODeadline?
    /// When the latest response ended.
    var idleSince: NIODeadline

    init(connectedAt: NIODeadline) {
        headStartedAt = connectedAt
        idleSince = connectedAt
    }

    /// Why the connection is closed when `deadline` passes.
    enum Wait: String { case header = "header_timeout", body = "body_timeout", idle = "idle_timeout" }

    mutating func bytesRead(at now: NIODeadline) {
        if !requestOpen, headStartedAt == nil { headStartedAt = now }
    }

    mutating func headRead(at now: NIODeadline) {
        requestOpen = true
        headAt = now
        headStartedAt = nil
        responsesOpen += 1
    }

    mutating func requestEnded() { requestOpen = false }

    mutating func responseEnded(at now: NIODeadline) {
        responsesOpen = max(0, responsesOpen - 1)
        if responsesOpen == 0 { idleSince = now }
    }

    /// No request being read or answered: the connection may give its place to a new one.
    var evictableSince: NIODeadline? {
        requestOpen || responsesOpen > 0 ? nil : (headStartedAt ?? idleSince)
    }

    /// When the connection is closed unless something happens first; nil while a response is being made.
    func deadline(_ limits: ConnectionLimits) -> (at: NIODeadline, wait: Wait)? {
        if requestOpen, let headAt { return (headAt + limits.bodyTimeout, .body) }
        if responsesOpen > 0 { return nil }
        if let headStartedAt { return (headStartedAt + limits.headerTimeout, .header) }
        return (idleSince + limits.idleTimeout, .idle)
    }
}

/// First handler of every HTTP connection (raw bytes, before the HTTP decoder): admits it under the
/// `ConnectionLimiter` (or answers 503 and closes it without reading it) and closes it when its phase's deadline
/// passes. `RequestWatch`, after the decoder, tells it when heads, request ends and response ends go by.
final class ConnectionGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let refusal =
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 21\r\n"
        + "Retry-After: 1\r\nConnection: close\r\n\r\ntoo many connections\n"

    private enum Admission { case pending, admitted, refused }

    private let limiter: ConnectionLimiter
    private let logger: Logger
    private var admission = Admission.pending
    private var phase = ConnectionPhase(connectedAt: .now())
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var armedFor: NIODeadline?

    init(limiter: ConnectionLimiter, logger: Logger) {
        self.limiter = limiter
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { admit(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        disarm()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        admit(context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        if admission == .admitted { limiter.release(context.channel) }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard admission == .admitted else { return }  // a refused connection is never read
        phase.bytesRead(at: .now())
        update()
        context.fireChannelRead(data)
    }

    private func admit(_ context: ChannelHandlerContext) {
        guard admission == .pending else { return }
        let now = NIODeadline.now()
        phase = ConnectionPhase(connectedAt: now)
        switch limiter.admit(context.channel, now: now) {
        case .admitted:
            admission = .admitted
        case .admittedEvicting(let victim):
            admission = .admitted
            victim.close(promise: nil)
            limiter.onDrop("connection_evicted")
        case .refused:
            admission = .refused
            limiter.onDrop("connection_cap")
            logger.debug(
                "HTTP connection refused: at the connection cap",
                metadata: ["http.max_connections": "\(limiter.limits.maxConnections)"]
            )
            let answer = context.channel.allocator.buffer(string: Self.refusal)
            context.writeAndFlush(wrapOutboundOut(answer)).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
            return
        }
        update()
    }

    /// A request head was read (from `RequestWatch`).
    func headRead() {
        phase.headRead(at: .now())
        update()
    }

    /// A request's end was read (from `RequestWatch`).
    func requestEnded() {
        phase.requestEnded()
        update()
    }

    /// A response's end was written (from `RequestWatch`).
    func responseEnded() {
        phase.responseEnded(at: .now())
        update()
    }

    /// Tells the limiter whether the connection may be evicted and re-arms the timer for the phase's deadline.
    private func update() {
        guard admission == .admitted, let context else { return }
        limiter.mark(context.channel, evictableSince: phase.evictableSince)
        let next = phase.deadline(limiter.limits)
        guard next?.at != armedFor else { return }
        disarm()
        guard let next else { return }
        armedFor = next.at
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: next.at) { [self] in
            timer = nil
            armedFor = nil
            expired(next.wait)
        }
    }

    private func expired(_ wait: ConnectionPhase.Wait) {
        guard let context else { return }
        if wait != .idle { limiter.onDrop(wait.rawValue) }
        logger.debug("HTTP connection closed", metadata: ["reason": "\(wait.rawValue)"])
        context.close(promise: nil)
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
        armedFor = nil
    }
}

/// After the HTTP decoder: reports request heads, request ends and response ends to the `ConnectionGuard` in
/// front of the same pipeline.
final class RequestWatch: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private var connectionGuard: ConnectionGuard?

    init() {}

    func handlerAdded(context: ChannelHandlerContext) {
        connectionGuard = try? context.pipeline.syncOperations.handler(type: ConnectionGuard.self)
    }

    func handlerRemoved(context: ChannelHandlerContext) { connectionGuard = nil }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: connectionGuard?.headRead()
        case .body: break
        case .end: connectionGuard?.requestEnded()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { connectionGuard?.responseEnded() }
        context.write(data, promise: promise)
    }
}
