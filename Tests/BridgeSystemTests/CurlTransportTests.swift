import BridgeTestSupport
import BridgeCore
@testable import BridgeTesting
import Foundation
import Testing

@testable import BridgeTransport

/// `CurlTransport` against real loopback peers: `scripts/peers/sink.py` (an HTTP server that logs each
/// request as a JSON line) and `scripts/peers/hang.py` (accepts connections and never answers).
/// Serialized: the timing tests must not share the machine's two cores with the other tests of this suite.
@Suite(.serialized)
struct CurlTransportTests {
    struct SinkRecord: Decodable {
        var method: String
        var path: String
        var headers: [String: String]
        var header_list: [[String]]
        var body: String

        func header(_ name: String) -> String? {
            headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
        }
    }

    static func records(_ url: URL) throws -> [SinkRecord] {
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { try JSONDecoder().decode(SinkRecord.self, from: Data($0.utf8)) }
    }

    static func sink(
        _ dir: TempDir,
        status: Int = 200,
        body: String = #"{"ok":true}"#,
        environment: [String: String] = [:]
    ) throws -> (PeerProcess, URL) {
        let log = dir.file("sink-\(UUID().uuidString.prefix(6)).jsonl")
        let peer = try PeerProcess.startAnnouncing(
            script: "sink.py",
            arguments: ["0", log.path, String(status), body],
            environment: environment,
            in: dir.url
        )
        return (peer, log)
    }

    @Test func postSendsMethodPathHeadersAndBodyExactly() async throws {
        let dir = try TempDir()
        let (sink, log) = try Self.sink(dir, body: #"{"ok":true,"ts":"1.2"}"#)
        defer { sink.stop() }
        let transport = CurlTransport()
        let json = #"{"channel":"C123","text":"注文DBに接続できない INC-20261126-001"}"#
        let response = try await transport.send(
            HTTPRequest(
                method: "POST",
                url: "http://127.0.0.1:\(sink.port)/api/chat.postMessage?x=1&y=%E6%B3%A8",
                headers: [
                    ("Authorization", "Bearer xoxb-secret-token"),
                    ("Content-Type", "application/json; charset=utf-8"),
                    ("X-Idempotency-Key", "outbox-42"),
                    ("X-Empty", ""),
                ],
                body: Data(json.utf8)
            )
        )
        #expect(response.status == 200)
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"ok":true,"ts":"1.2"}"#)
        #expect(response.header("content-type") == "application/json")
        #expect(response.header("Content-Length") == "22")

        let records = try Self.records(log)
        #expect(records.count == 1)
        let record = try #require(records.first)
        #expect(record.method == "POST")
        #expect(record.path == "/api/chat.postMessage?x=1&y=%E6%B3%A8")
        #expect(record.body == json)
        #expect(record.header("Authorization") == "Bearer xoxb-secret-token")
        #expect(record.header("Content-Type") == "application/json; charset=utf-8")
        #expect(record.header("X-Idempotency-Key") == "outbox-42")
        #expect(record.header("X-Empty") == "")
        #expect(record.header("Content-Length") == String(Data(json.utf8).count))
        #expect(record.header("Expect") == nil)
    }

    @Test func otherMethodsAndNoDefaultContentType() async throws {
        let dir = try TempDir()
        let (sink, log) = try Self.sink(dir)
        defer { sink.stop() }
        let transport = CurlTransport()
        let base = "http://127.0.0.1:\(sink.port)"
        let put = try await transport.send(
            HTTPRequest(
                method: "PUT",
                url: base + "/_matrix/client/v3/rooms/r/send/m.room.message/txn1",
                body: Data("{}".utf8)
            )
        )
        let get = try await transport.send(HTTPRequest(method: "GET", url: base + "/get"))
        let delete = try await transport.send(HTTPRequest(method: "DELETE", url: base + "/del"))
        let patch = try await transport.send(HTTPRequest(method: "PATCH", url: base + "/patch", body: Data("p".utf8)))
        let emptyPost = try await transport.send(HTTPRequest(method: "POST", url: base + "/empty"))
        let head = try await transport.send(HTTPRequest(method: "HEAD", url: base + "/head"))
        #expect([put, get, delete, patch, emptyPost, head].map(\.status) == [200, 200, 200, 200, 200, 200])
        #expect(head.body.isEmpty)
        #expect(get.body == Data(#"{"ok":true}"#.utf8))

        let records = try Self.records(log)
        #expect(records.map(\.method) == ["PUT", "GET", "DELETE", "PATCH", "POST", "HEAD"])
        #expect(records.map(\.body) == ["{}", "", "", "p", "", ""])
        // libcurl's form content type is not added to a body without one.
        #expect(records[0].header("Content-Type") == nil)
        #expect(records[3].header("Content-Type") == nil)
        #expect(records[4].header("Content-Length") == "0")
        #expect(records[1].header("Content-Length") == nil)
    }

    @Test func repeatedRequestHeadersKeepTheirOrder() async throws {
        let dir = try TempDir()
        let (sink, log) = try Self.sink(dir)
        defer { sink.stop() }
        _ = try await CurlTransport().send(
            HTTPRequest(
                url: "http://127.0.0.1:\(sink.port)/h",
                headers: [("X-A", "1"), ("X-B", "2"), ("X-A", "3")],
                body: Data("x".utf8)
            )
        )
        let record = try #require(try Self.records(log).first)
        let custom = record.header_list.filter { $0[0].hasPrefix("X-") }
        #expect(custom == [["X-A", "1"], ["X-B", "2"], ["X-A", "3"]])
    }

    @Test func status429WithRetryAfterIsAnAnswerNotAnError() async throws {
        let dir = try TempDir()
        let (sink, _) = try Self.sink(
            dir,
            status: 429,
            body: #"{"ok":false,"error":"ratelimited"}"#,
            environment: ["SINK_HEADERS": "Retry-After: 7\nX-RateLimit-Remaining: 0"]
        )
        defer { sink.stop() }
        let response = try await CurlTransport().send(
            HTTPRequest(
                url: "http://127.0.0.1:\(sink.port)/api/chat.postMessage",
                body: Data("{}".utf8)
            )
        )
        #expect(response.status == 429)
        #expect(response.retryAfter == 7)
        #expect(response.header("x-ratelimit-remaining") == "0")
        #expect(String(decoding: response.body, as: UTF8.self).contains("ratelimited"))
    }

    @Test func expectContinueAnswerIsNotTheResponse() async throws {
        let dir = try TempDir()
        let (sink, log) = try Self.sink(dir, status: 201, environment: ["SINK_HEADERS": "Location: /x/1"])
        defer { sink.stop() }
        let body = Data(repeating: UInt8(ascii: "a"), count: 200_000)
        let response = try await CurlTransport().send(
            HTTPRequest(
                url: "http://127.0.0.1:\(sink.port)/upload",
                headers: [("Expect", "100-continue")],
                body: body
            )
        )
        // The server answered "100 Continue" first; only the final block is kept.
        #expect(response.status == 201)
        #expect(response.header("Location") == "/x/1")
        #expect(response.headers.filter { $0.0.lowercased() == "content-type" }.count == 1)
        #expect(try Self.records(log).first?.body.count == 200_000)
    }

    @Test func headerBlocksKeepOnlyTheLastOne() {
        let sink = CurlResponseSink(maxBodyBytes: 10)
        func feed(_ line: String) {
            let bytes = Array(line.utf8)
            bytes.withUnsafeBufferPointer { sink.headerLine($0) }
        }
        for line in [
            "HTTP/1.1 200 Connection established\r\n", "Proxy-Agent: squid\r\n", "\r\n",
            "HTTP/1.1 100 Continue\r\n", "\r\n",
            "HTTP/1.1 503 Service Unavailable\r\n", "Retry-After:  30 \r\n", "X-Long: a\r\n", "\t b\r\n",
            "Set-Cookie: a=1\r\n", "Set-Cookie: b=2\r\n", "\r\n",
        ] {
            feed(line)
        }
        #expect(
            sink.headers.map { "\($0.0)=\($0.1)" } == [
                "Retry-After=30", "X-Long=a b", "Set-Cookie=a=1", "Set-Cookie=b=2",
            ]
        )
    }

    @Test func connectionRefusedIsConnectError() async throws {
        let port = try Ports.free()
        do {
            _ = try await CurlTransport().send(
                HTTPRequest(
                    url: "http://127.0.0.1:\(port)/secret-path",
                    headers: [("Authorization", "Bearer xoxb-secret")]
                )
            )
            Issue.record("expected an error")
        } catch let error as TransportError {
            guard case .connect(let message) = error else {
                Issue.record("expected .connect, got \(error)")
                return
            }
            #expect(message.contains("127.0.0.1"))
            #expect(!error.description.contains("xoxb-secret"))
            #expect(!error.description.contains("secret-path"))
        }
    }

    @Test func silentPeerTimesOut() async throws {
        let dir = try TempDir()
        let hang = try PeerProcess.startAnnouncing(
            script: "hang.py",
            arguments: ["0", dir.file("hang.json").path],
            in: dir.url
        )
        defer { hang.stop() }
        let transport = CurlTransport(connectTimeout: 1, timeout: 1)
        let started = ContinuousClock.now
        await #expect(throws: TransportError.self) {
            _ = try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(hang.port)/", body: Data("{}".utf8)))
        }
        do {
            _ = try await transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(hang.port)/"))
            Issue.record("expected a timeout")
        } catch TransportError.timeout(let message) {
            #expect(message.lowercased().contains("timed out"))
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(1900))
        #expect(elapsed < .seconds(6))
    }

    @Test func invalidRequestsAreRejected() async throws {
        let transport = CurlTransport()
        let cases: [HTTPRequest] = [
            HTTPRequest(url: "http://127.0.0.1:9/", headers: [("X-Bad", "a\r\nInjected: 1")]),
            HTTPRequest(url: "http://127.0.0.1:9/", headers: [("Bad Name", "x")]),
            HTTPRequest(method: "GE T", url: "http://127.0.0.1:9/"),
            HTTPRequest(url: "ftp://127.0.0.1:9/file"),
            HTTPRequest(url: "file:///etc/passwd"),
            HTTPRequest(url: "http://[::1/"),
            HTTPRequest(url: "http://127.0.0.1:9/a b"),
        ]
        for request in cases {
            do {
                _ = try await transport.send(request)
                Issue.record("expected .invalidRequest for \(request.url)")
            } catch let error as TransportError {
                guard case .invalidRequest = error else {
                    Issue.record("expected .invalidRequest for \(request.url), got \(error)")
                    continue
                }
                #expect(!error.description.contains("Injected"))
            }
        }
    }

    @Test func oversizedResponseIsRefused() async throws {
        let dir = try TempDir()
        let (sink, _) = try Self.sink(dir, body: String(repeating: "x", count: 5000))
        defer { sink.stop() }
        let transport = CurlTransport(maxResponseBytes: 1000)
        do {
            _ = try await transport.send(HTTPRequest(method: "GET", url: "http://127.0.0.1:\(sink.port)/big"))
            Issue.record("expected an error")
        } catch TransportError.other(_, let message) {
            #expect(message.contains("1000 bytes"))
        }
    }

    @Test func fiftyConcurrentRequestsComplete() async throws {
        let dir = try TempDir()
        let (sink, log) = try Self.sink(dir, environment: ["SINK_DELAY": "0.05"])
        defer { sink.stop() }
        let transport = CurlTransport(workers: 4)
        let ticker = Ticker()
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for index in 0..<50 {
                group.addTask {
                    try await transport.send(
                        HTTPRequest(
                            url: "http://127.0.0.1:\(sink.port)/n/\(index)",
                            headers: [("X-Seq", String(index))],
                            body: Data(#"{"n":\#(index)}"#.utf8)
                        )
                    ).status
                }
            }
            var all: [Int] = []
            for try await status in group { all.append(status) }
            return all
        }
        let ticks = await ticker.stop()
        #expect(statuses.count == 50)
        #expect(statuses.allSatisfy { $0 == 200 })
        let records = try Self.records(log)
        #expect(Set(records.compactMap { $0.header("X-Seq") }) == Set((0..<50).map(String.init)))
        #expect(Set(records.map(\.path)).count == 50)
        #expect(ticks > 10)
    }

    @Test func poolIsBoundedAndCooperativePoolKeepsRunning() async throws {
        let dir = try TempDir()
        let stats = dir.file("hang.json")
        let hang = try PeerProcess.startAnnouncing(script: "hang.py", arguments: ["0", stats.path], in: dir.url)
        defer { hang.stop() }
        let transport = CurlTransport(connectTimeout: 1, timeout: 1, workers: 4)
        let ticker = Ticker()
        let started = ContinuousClock.now
        let timeouts = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do {
                        _ = try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(hang.port)/"))
                        return false
                    } catch TransportError.timeout {
                        return true
                    } catch {
                        return false
                    }
                }
            }
            var count = 0
            for await timedOut in group where timedOut { count += 1 }
            return count
        }
        let elapsed = ContinuousClock.now - started
        let ticks = await ticker.stop()
        #expect(timeouts == 8)
        // Four at a time: two rounds of one second.
        #expect(elapsed >= .milliseconds(1900))
        #expect(elapsed < .seconds(8))
        // 10 ms sleeps kept ticking while eight requests hung (about 200 ticks when nothing blocks).
        #expect(ticks >= 50, "cooperative pool starved: \(ticks) ticks in \(elapsed)")
        let counts = try JSONDecoder().decode([String: Int].self, from: Data(contentsOf: stats))
        #expect(counts["accepted"] == 8)
        // The peer notices a first-round close a moment after it happens, so under load it may briefly count one
        // connection of the second round on top; the two-round timing above is what proves the bound.
        #expect((4...5).contains(counts["max_open"] ?? 0))
        #expect(transport.workers == 4)
    }

    @Test func cancellingTheTaskAbortsTheTransfer() async throws {
        let dir = try TempDir()
        let hang = try PeerProcess.startAnnouncing(
            script: "hang.py",
            arguments: ["0", dir.file("hang.json").path],
            in: dir.url
        )
        defer { hang.stop() }
        let transport = CurlTransport(connectTimeout: 5, timeout: 30)
        let started = ContinuousClock.now
        let task = Task {
            try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(hang.port)/"))
        }
        try await Task.sleep(for: .milliseconds(300))
        task.cancel()
        let result = await task.result
        let elapsed = ContinuousClock.now - started
        #expect(throws: CancellationError.self) { try result.get() }
        #expect(elapsed < .seconds(5))
    }

    @Test func queuedRequestOfCancelledTaskIsNotSent() async throws {
        let dir = try TempDir()
        let stats = dir.file("hang.json")
        let hang = try PeerProcess.startAnnouncing(script: "hang.py", arguments: ["0", stats.path], in: dir.url)
        defer { hang.stop() }
        let transport = CurlTransport(connectTimeout: 1, timeout: 1, workers: 1)
        let busy = Task { try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(hang.port)/1")) }
        try await Task.sleep(for: .milliseconds(200))
        let queued = Task { try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(hang.port)/2")) }
        try await Task.sleep(for: .milliseconds(100))
        let cancelledAt = ContinuousClock.now
        queued.cancel()
        let queuedResult = await queued.result
        // Resumed at once, not when a worker frees up.
        #expect(ContinuousClock.now - cancelledAt < .milliseconds(500))
        let busyResult = await busy.result
        #expect(throws: CancellationError.self) { try queuedResult.get() }
        #expect(throws: TransportError.self) { try busyResult.get() }
        let counts = try JSONDecoder().decode([String: Int].self, from: Data(contentsOf: stats))
        #expect(counts["accepted"] == 1)
    }
}

/// Counts 10 ms sleeps on the cooperative pool until stopped.
final class Ticker: Sendable {
    private let task: Task<Int, Never>

    init() {
        task = Task {
            var ticks = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(10))
                ticks += 1
            }
            return ticks
        }
    }

    func stop() async -> Int {
        task.cancel()
        return await task.value
    }
}
