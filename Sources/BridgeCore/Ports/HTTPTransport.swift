import Foundation

/// An outbound HTTP request (chat APIs, pager APIs, webhooks).
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    public var url: String
    /// Header name/value pairs in order.
    public var headers: [(String, String)]
    public var body: Data
    public init(method: String = "POST", url: String, headers: [(String, String)] = [], body: Data = Data()) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
    public static func == (l: HTTPRequest, r: HTTPRequest) -> Bool {
        l.method == r.method && l.url == r.url && l.body == r.body
            && l.headers.map { "\($0.0):\($0.1)" } == r.headers.map { "\($0.0):\($0.1)" }
    }
}

/// The far side's answer.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header name/value pairs as received (names as sent by the server).
    public var headers: [(String, String)]
    public var body: Data
    public init(status: Int, headers: [(String, String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }
    /// The first header with this name, case-insensitive.
    public func header(_ name: String) -> String? {
        headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }
    /// `Retry-After` in seconds (delta-seconds form), if present, clamped to 0 s-1 h.
    public var retryAfter: TimeInterval? {
        Bounds.retryAfter(header("Retry-After").flatMap { TimeInterval($0.trimmingCharacters(in: .whitespaces)) })
    }
}

/// Why a request got no HTTP answer.
public enum TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    case timeout(String)
    case connect(String)
    case resolve(String)
    case tls(String)
    case invalidRequest(String)
    case other(code: Int, message: String)

    public var description: String {
        switch self {
        case .timeout(let m): "timeout: \(m)"
        case .connect(let m): "cannot connect: \(m)"
        case .resolve(let m): "cannot resolve host: \(m)"
        case .tls(let m): "TLS error: \(m)"
        case .invalidRequest(let m): "invalid request: \(m)"
        case .other(let code, let m): "transport error \(code): \(m)"
        }
    }
}

/// Sends HTTP requests without blocking the cooperative thread pool.
public protocol HTTPTransport: Sendable {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
