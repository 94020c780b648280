import BridgeCore
import CCurl
import Foundation

/// Options set on one easy handle; remembers the first option libcurl refused.
struct CurlOptions {
    let handle: UnsafeMutableRawPointer
    private(set) var failure: (option: CURLoption, code: CURLcode)?

    init(_ handle: UnsafeMutableRawPointer) {
        self.handle = handle
    }

    mutating func set(_ option: CURLoption, _ value: Int) {
        record(option, ib_easy_setopt_long(handle, option, value))
    }

    /// libcurl copies string options (CURLOPT_POSTFIELDS is the exception; COPYPOSTFIELDS is used instead).
    mutating func set(_ option: CURLoption, _ value: String) {
        let code = value.withCString { ib_easy_setopt_string(handle, option, $0) }
        record(option, code)
    }

    mutating func set(_ option: CURLoption, offset value: Int64) {
        record(option, ib_easy_setopt_off_t(handle, option, curl_off_t(value)))
    }

    mutating func set(_ option: CURLoption, pointer value: UnsafeMutableRawPointer?) {
        record(option, ib_easy_setopt_pointer(handle, option, value))
    }

    mutating func set(_ option: CURLoption, list value: UnsafeMutablePointer<curl_slist>?) {
        record(option, ib_easy_setopt_slist(handle, option, value))
    }

    /// The request body, copied by libcurl (binary-safe: the size is set first).
    mutating func setCopiedBody(_ body: Data) {
        set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(body.count))
        let code = body.withUnsafeBytes { raw -> CURLcode in
            // An empty body still needs a valid pointer.
            let base = raw.baseAddress ?? UnsafeRawPointer(("" as StaticString).utf8Start)
            return ib_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: base))
        }
        record(CURLOPT_COPYPOSTFIELDS, code)
    }

    mutating func record(_ option: CURLoption, _ code: CURLcode) {
        if code != CURLE_OK && failure == nil { failure = (option, code) }
    }

    /// Throws `.invalidRequest` when an option was refused (e.g. an unsupported protocol list).
    func check() throws {
        guard let failure else { return }
        let text = String(cString: curl_easy_strerror(failure.code))
        throw TransportError.invalidRequest("libcurl refused option \(failure.option.rawValue): \(text)")
    }
}

/// A cancellation flag shared between a Swift task's cancellation handler and the worker thread running its
/// transfer; libcurl's progress callback polls it.
final class CurlCancelFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false

    var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelled
    }

    func cancel() {
        lock.lock()
        cancelled = true
        lock.unlock()
    }
}

/// What a transfer received: the last header block and the body (bounded).
final class CurlResponseSink {
    let maxBodyBytes: Int
    var body = Data()
    var headers: [(String, String)] = []
    var bodyTooLarge = false

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// One header line as libcurl delivers it (status line, header, continuation, or the blank end line).
    /// A status line starts a new block, so after 1xx answers and proxy CONNECT replies only the final
    /// response's headers remain.
    /// HTTP optional whitespace (SP, HTAB) trimmed at both ends, without Foundation's bridging.
    static func trimOWS(_ s: Substring) -> String {
        let u = s.utf8
        guard let first = u.firstIndex(where: { $0 != 0x20 && $0 != 0x09 }) else { return "" }
        let last = u.lastIndex(where: { $0 != 0x20 && $0 != 0x09 })!
        return String(s[first...last])
    }

    func headerLine(_ bytes: UnsafeBufferPointer<UInt8>) {
        var end = bytes.count
        while end > 0 && (bytes[end - 1] == 0x0A || bytes[end - 1] == 0x0D) { end -= 1 }
        let line = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
        if line.hasPrefix("HTTP/") {
            headers.removeAll()
            return
        }
        if line.isEmpty { return }
        if let first = line.first, first == " " || first == "\t" {
            // Obsolete line folding: the line continues the previous header's value.
            if var lastHeader = headers.popLast() {
                lastHeader.1 += " " + Self.trimOWS(line[...])
                headers.append(lastHeader)
            }
            return
        }
        guard let colon = line.firstIndex(of: ":") else { return }
        let name = Self.trimOWS(line[..<colon])
        let value = Self.trimOWS(line[line.index(after: colon)...])
        if !name.isEmpty { headers.append((name, value)) }
    }

    /// Appends body bytes; returns false once the body would exceed `maxBodyBytes`.
    func bodyChunk(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if body.count + bytes.count > maxBodyBytes {
            bodyTooLarge = true
            return false
        }
        body.append(bytes)
        return true
    }
}

/// The bytes of an upload (an SMTP message), handed to libcurl's read callback piece by piece.
final class CurlUploadSource {
    let data: Data
    var offset = 0

    init(_ data: Data) {
        self.data = data
    }

    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        let count = min(capacity, data.count - offset)
        guard count > 0 else { return 0 }
        data.withUnsafeBytes { raw in
            let start = raw.baseAddress!.advanced(by: offset)
            UnsafeMutableRawPointer(buffer).copyMemory(from: start, byteCount: count)
        }
        offset += count
        return count
    }
}

/// Callback installation shared by the HTTP and SMTP transfers.
enum CurlCallbacks {
    /// Installs header and body callbacks that feed `sink` (which must outlive the transfer).
    static func collect(into sink: CurlResponseSink, options: inout CurlOptions) {
        let context = Unmanaged.passUnretained(sink).toOpaque()
        options.set(CURLOPT_HEADERDATA, pointer: context)
        let headerCode = ib_easy_setopt_header_callback(options.handle, CURLOPT_HEADERFUNCTION) {
            ptr,
            size,
            count,
            user in
            let total = size * count
            guard let ptr, let user else { return total }
            let sink = Unmanaged<CurlResponseSink>.fromOpaque(user).takeUnretainedValue()
            ptr.withMemoryRebound(to: UInt8.self, capacity: total) {
                sink.headerLine(UnsafeBufferPointer(start: $0, count: total))
            }
            return total
        }
        options.record(CURLOPT_HEADERFUNCTION, headerCode)
        options.set(CURLOPT_WRITEDATA, pointer: context)
        let writeCode = ib_easy_setopt_write_callback(options.handle, CURLOPT_WRITEFUNCTION) {
            ptr,
            size,
            count,
            user in
            let total = size * count
            guard let ptr, let user else { return total }
            let sink = Unmanaged<CurlResponseSink>.fromOpaque(user).takeUnretainedValue()
            let kept = ptr.withMemoryRebound(to: UInt8.self, capacity: total) {
                sink.bodyChunk(UnsafeBufferPointer(start: $0, count: total))
            }
            return kept ? total : 0  // 0 makes libcurl stop with CURLE_WRITE_ERROR
        }
        options.record(CURLOPT_WRITEFUNCTION, writeCode)
    }

    /// Installs a read callback that uploads `source` (which must outlive the transfer).
    static func upload(from source: CurlUploadSource, options: inout CurlOptions) {
        options.set(CURLOPT_READDATA, pointer: Unmanaged.passUnretained(source).toOpaque())
        let readCode = ib_easy_setopt_read_callback(options.handle, CURLOPT_READFUNCTION) {
            buffer,
            size,
            count,
            user in
            guard let buffer, let user else { return 0 }
            let source = Unmanaged<CurlUploadSource>.fromOpaque(user).takeUnretainedValue()
            return source.read(into: buffer, capacity: size * count)
        }
        options.record(CURLOPT_READFUNCTION, readCode)
        options.set(CURLOPT_INFILESIZE_LARGE, offset: Int64(source.data.count))
    }

    /// Installs a progress callback that aborts the transfer (CURLE_ABORTED_BY_CALLBACK) once `flag` is set.
    /// libcurl calls it at least about once a second, also while waiting for a silent peer.
    static func abortWhenCancelled(_ flag: CurlCancelFlag, options: inout CurlOptions) {
        options.set(CURLOPT_NOPROGRESS, 0)
        options.set(CURLOPT_XFERINFODATA, pointer: Unmanaged.passUnretained(flag).toOpaque())
        let xferinfoCode = ib_easy_setopt_xferinfo_callback(options.handle, CURLOPT_XFERINFOFUNCTION) {
            user,
            _,
            _,
            _,
            _ in
            guard let user else { return 0 }
            return Unmanaged<CurlCancelFlag>.fromOpaque(user).takeUnretainedValue().isCancelled ? 1 : 0
        }
        options.record(CURLOPT_XFERINFOFUNCTION, xferinfoCode)
    }
}

/// One queued or running transfer: the caller's continuation, resumed exactly once, and its cancel flag.
/// A job cancelled while still queued is resumed at once with `CancellationError` and later skipped by the
/// worker; a running one is aborted through `flag` by libcurl's progress callback.
final class CurlJob<T: Sendable>: @unchecked Sendable {
    let flag = CurlCancelFlag()
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Error>?
    private var started = false

    /// Keeps the continuation; false when the task was cancelled already (the caller then resumes it).
    func attach(_ continuation: CheckedContinuation<T, Error>) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if flag.isCancelled { return false }
        self.continuation = continuation
        return true
    }

    /// Marks the job running; false when it was cancelled (and resumed) while queued.
    func start() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if continuation == nil { return false }
        started = true
        return true
    }

    func cancel() {
        flag.cancel()
        lock.lock()
        let waiting = started ? nil : continuation
        if !started { continuation = nil }
        lock.unlock()
        waiting?.resume(throwing: CancellationError())
    }

    func finish(_ result: Result<T, Error>) {
        lock.lock()
        let waiting = continuation
        continuation = nil
        lock.unlock()
        waiting?.resume(with: result)
    }
}

extension CurlWorkerPool {
    /// Runs `body` on a worker thread with that thread's easy handle and returns its result to the calling
    /// task. Task cancellation sets the flag handed to `body`; a job cancelled before it starts is not run
    /// and its caller is resumed at once.
    func run<T: Sendable>(
        _ body: @escaping @Sendable (UnsafeMutableRawPointer, CurlCancelFlag) throws -> T
    ) async throws -> T {
        let job = CurlJob<T>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
                guard job.attach(continuation) else {
                    continuation.resume(throwing: CancellationError())
                    return
                }
                let accepted = submit { handle in
                    guard job.start() else { return }
                    guard let handle else {
                        let code = Int(CURLE_OUT_OF_MEMORY.rawValue)
                        job.finish(.failure(TransportError.other(code: code, message: "curl_easy_init failed")))
                        return
                    }
                    job.finish(Result { try body(handle, job.flag) })
                }
                if !accepted {
                    job.finish(.failure(TransportError.other(code: -1, message: "transport is shut down")))
                }
            }
        } onCancel: {
            job.cancel()
        }
    }
}
