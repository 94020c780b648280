import BridgeCore
import CCurl
import Foundation

/// `HTTPTransport` over the system libcurl.
///
/// Threading: every transfer is a blocking `curl_easy_perform` on one of at most `workers` dedicated threads
/// (a `CurlWorkerPool`); the calling task waits on a continuation, so no thread of Swift's cooperative pool
/// ever blocks. Requests beyond `workers` queue in FIFO order. Each worker keeps its easy handle, so repeated
/// requests to one host reuse the connection.
///
/// Behaviour of each request:
/// - the method, headers and body are sent as given. libcurl's own defaults that would change them are
///   switched off: no `Content-Type: application/x-www-form-urlencoded` for bodies without a Content-Type,
///   and no `Expect: 100-continue` (unless the request has its own `Expect` header). An empty header value
///   is sent as an empty header. libcurl still adds `Host`, `Content-Length` and `Accept: */*` when the
///   request does not set them.
/// - redirects are not followed (a 3xx is returned as it is); only `http` and `https` URLs are allowed.
/// - TLS peers are verified (certificate chain and host name) against the system CA store.
/// - proxies come from the environment, as libcurl reads them when `CURLOPT_PROXY` is not set (it never is
///   here): `https_proxy`/`HTTPS_PROXY`, `http_proxy` (lower case only, by libcurl's design),
///   `all_proxy`/`ALL_PROXY`, and `no_proxy`/`NO_PROXY` for exceptions.
/// - the response keeps the status, the headers of the final header block (1xx answers and a proxy's
///   CONNECT reply are dropped) and the body, up to `maxResponseBytes`.
/// - failures without an HTTP answer throw `TransportError`; messages come from libcurl's error buffer (which
///   names host and port, not the URL's path or query) and never contain request headers (where tokens live).
///
/// Cancellation: cancelling the calling task aborts a running transfer at libcurl's next progress callback
/// (within about a second, also while the peer is silent; at worst the request runs into its timeout) and
/// throws `CancellationError`. A request still queued for a worker is never sent and its caller resumes at
/// once. A request already on the wire may have reached the peer: retry with the same idempotency key.
public final class CurlTransport: HTTPTransport, Sendable {
    /// Seconds allowed to establish the connection (TCP, proxy and TLS handshakes).
    public let connectTimeout: TimeInterval
    /// Seconds allowed for the whole request, connection included.
    public let timeout: TimeInterval
    /// Largest response body accepted; a larger one fails the request with `TransportError.other`.
    public let maxResponseBytes: Int
    /// Number of dedicated threads, i.e. the most transfers in flight at once.
    public let workers: Int
    private let pool: CurlWorkerPool

    /// Makes a transport with its own pool of `workers` threads (started on demand).
    public init(
        connectTimeout: TimeInterval = 5,
        timeout: TimeInterval = 15,
        workers: Int = 4,
        maxResponseBytes: Int = 16 << 20
    ) {
        precondition(connectTimeout > 0 && timeout > 0, "timeouts must be positive")
        precondition(workers > 0 && maxResponseBytes >= 0)
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.workers = workers
        self.maxResponseBytes = maxResponseBytes
        self.pool = CurlWorkerPool(size: workers, name: "curl-http")
    }

    deinit {
        pool.shutdown()
    }

    /// A transport with the same settings and a pool of its own: one per platform, so a destination that hangs
    /// occupies only its own platform's workers.
    public func sibling() -> CurlTransport {
        CurlTransport(
            connectTimeout: connectTimeout,
            timeout: timeout,
            workers: workers,
            maxResponseBytes: maxResponseBytes
        )
    }

    /// Sends `request` and returns the server's answer, whatever its status.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try Self.validate(request)
        let limits = Limits(connectTimeout: connectTimeout, timeout: timeout, maxResponseBytes: maxResponseBytes)
        return try await pool.run { handle, cancel in
            try Self.perform(request, limits: limits, handle: handle, cancel: cancel)
        }
    }

    struct Limits: Sendable {
        var connectTimeout: TimeInterval
        var timeout: TimeInterval
        var maxResponseBytes: Int
    }

    /// Rejects what libcurl would send wrongly or what would let one header smuggle another.
    static func validate(_ request: HTTPRequest) throws {
        guard !request.method.isEmpty, request.method.unicodeScalars.allSatisfy(isTokenCharacter) else {
            throw TransportError.invalidRequest("bad HTTP method")
        }
        guard !request.url.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw TransportError.invalidRequest("URL contains spaces or control characters")
        }
        for (index, (name, value)) in request.headers.enumerated() {
            // Names and values are not echoed: a value may be a token.
            guard !name.isEmpty, name.unicodeScalars.allSatisfy(isTokenCharacter) else {
                throw TransportError.invalidRequest("bad name of header #\(index + 1)")
            }
            guard !value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) else {
                throw TransportError.invalidRequest("header \(name) has a line break in its value")
            }
        }
    }

    /// RFC 9110 `tchar`.
    static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9": return true
        case "!", "#", "$", "%", "&", "'", "*", "+", "-", ".", "^", "_", "`", "|", "~": return true
        default: return false
        }
    }

    /// One blocking transfer on a worker thread.
    static func perform(
        _ request: HTTPRequest,
        limits: Limits,
        handle: UnsafeMutableRawPointer,
        cancel: CurlCancelFlag
    ) throws -> HTTPResponse {
        var options = CurlOptions(handle)
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }
        let sink = CurlResponseSink(maxBodyBytes: limits.maxResponseBytes)

        options.set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        options.set(CURLOPT_URL, request.url)
        options.set(CURLOPT_PROTOCOLS_STR, "http,https")
        options.set(CURLOPT_NOSIGNAL, 1)
        options.set(CURLOPT_FOLLOWLOCATION, 0)
        options.set(CURLOPT_SSL_VERIFYPEER, 1)
        options.set(CURLOPT_SSL_VERIFYHOST, 2)
        options.set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds(limits.connectTimeout))
        options.set(CURLOPT_TIMEOUT_MS, milliseconds(limits.timeout))

        let method = request.method
        if !request.body.isEmpty || method == "POST" {
            options.setCopiedBody(request.body)  // makes it a POST ...
            if method != "POST" { options.set(CURLOPT_CUSTOMREQUEST, method) }  // ... unless told otherwise
        } else if method == "GET" {
            options.set(CURLOPT_HTTPGET, 1)
        } else if method == "HEAD" {
            options.set(CURLOPT_NOBODY, 1)
        } else {
            options.set(CURLOPT_CUSTOMREQUEST, method)
        }

        func has(_ name: String) -> Bool {
            request.headers.contains { $0.0.caseInsensitiveCompare(name) == .orderedSame }
        }
        var lines = request.headers.map { name, value in value.isEmpty ? "\(name);" : "\(name): \(value)" }
        if !has("Expect") { lines.append("Expect:") }
        if !request.body.isEmpty && !has("Content-Type") { lines.append("Content-Type:") }
        for line in lines {
            guard let appended = curl_slist_append(headerList, line) else {
                throw TransportError.other(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "curl_slist_append failed")
            }
            headerList = appended
        }
        options.set(CURLOPT_HTTPHEADER, list: headerList)

        CurlCallbacks.collect(into: sink, options: &options)
        CurlCallbacks.abortWhenCancelled(cancel, options: &options)
        try options.check()

        let code = withExtendedLifetime((sink, cancel)) { curl_easy_perform(handle) }
        if code != CURLE_OK {
            if code == CURLE_ABORTED_BY_CALLBACK && cancel.isCancelled { throw CancellationError() }
            if code == CURLE_WRITE_ERROR && sink.bodyTooLarge {
                throw TransportError.other(
                    code: Int(code.rawValue),
                    message: "response body larger than \(limits.maxResponseBytes) bytes"
                )
            }
            throw CurlErrors.map(code, detail: CurlErrors.text(of: errorBuffer))
        }
        var status = 0
        _ = ib_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        return HTTPResponse(status: status, headers: sink.headers, body: sink.body)
    }

    /// libcurl's millisecond option value, at least 1 (0 would mean "no timeout").
    static func milliseconds(_ seconds: TimeInterval) -> Int {
        max(1, Int((seconds * 1000).rounded()))
    }
}
