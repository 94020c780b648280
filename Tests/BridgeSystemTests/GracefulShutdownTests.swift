import BridgeTestSupport
import BridgeCore
import BridgeStore
import Foundation
import GRDB
import Testing

@testable import BridgeTesting

/// SIGTERM of a real `serve` while 50 posts and pages are queued and sends are in flight to slow far sides:
/// the sends in flight finish, the rest stay queued, nothing is marked failed; after a restart every one is
/// delivered, each exactly once (graceful shutdown leaves no send half-done).
@Suite(.serialized) struct GracefulShutdownTests {
    @Test func sigtermWithSendsInFlightLosesNothing() async throws {
        let dir = Fixtures.tempDir()
        let chat = try Sink(environment: ["SINK_DELAY": "1"])
        let pages = try Sink(environment: ["SINK_DELAY": "1"])
        defer {
            chat.stop()
            pages.stop()
        }
        let text = try String(contentsOfFile: Fixtures.path("Examples/bridge.en.yaml"), encoding: .utf8)
        let configText = text.replacingOccurrences(
            of: "chat:\n  console: {enabled: true}\n",
            with: "chat:\n  console: {enabled: true}\n  webhook: {url_env: CHAT_WEBHOOK_URL}\n"
                + "paging:\n  webhook: {url: \"\(pages.url)/page\"}\n"
        )
        #expect(configText != text)
        let config = dir + "/bridge.yaml"
        try configText.write(toFile: config, atomically: true, encoding: .utf8)
        let db = dir + "/bridge.sqlite"
        let env = ["CHAT_WEBHOOK_URL": chat.url + "/chat"]
        let n = 25
        let first = try CrashRecoveryTests.ServeProcess(config: config, db: db, outPath: dir + "/out1.txt", environment: env)
        for i in 1...n { first.send("/incident declare db-outage sev1 DB \(i)") }
        let store = try SQLiteStore(path: db)
        // The rows for the two slow far sides (console posts are printed as they come).
        func counts() async throws -> [String: Int] {
            try await store.writer.read { db in
                var out: [String: Int] = [:]
                for r in try Row.fetchAll(
                    db,
                    sql: "SELECT status, COUNT(*) AS n FROM outbox WHERE platform IN ('webhook','pagewebhook') GROUP BY status"
                ) {
                    out[r["status"]] = r["n"]
                }
                return out
            }
        }
        // Wait until all 50 rows are queued and the first sends are on the wire, then SIGTERM.
        #expect(try await CrashRecoveryTests.waitFor(20) { try await counts().values.reduce(0, +) >= 2 * n })
        let inFlight = try await CrashRecoveryTests.waitFor(10) {
            let c = try await counts()
            return c["sending", default: 0] > 0
        }
        #expect(inFlight, "sends are in flight when SIGTERM arrives")
        let signalled = Date()
        first.stop()  // SIGTERM, then wait for exit
        let stopTook = Date().timeIntervalSince(signalled)
        let afterStop = try await counts()
        #expect(afterStop["failed", default: 0] == 0, "\(afterStop)")
        #expect(afterStop["sending", default: 0] == 0, "graceful shutdown leaves no lease behind: \(afterStop)")
        #expect(afterStop["pending", default: 0] > 0, "the test must stop with work still queued: \(afterStop)")
        #expect(stopTook < 25, "shutdown waits at most the drain bound (20 s): \(stopTook) s")

        let second = try CrashRecoveryTests.ServeProcess(config: config, db: db, outPath: dir + "/out2.txt", environment: env)
        defer { second.stop() }
        #expect(try await CrashRecoveryTests.waitFor(120) { try await counts()["sent", default: 0] == 2 * n })
        let final = try await counts()
        #expect(final["failed", default: 0] == 0 && final["pending", default: 0] == 0, "\(final)")
        func titles(_ sink: Sink, _ key: String) -> [String] {
            sink.requests.compactMap { r in
                (r["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            }.compactMap { $0[key] as? String }
        }
        let paged = titles(pages, "title")
        #expect(paged.count == n && Set(paged).count == n, "each page exactly once: \(paged.count) requests")
        let posted = titles(chat, "incident_id")
        #expect(posted.count == n && Set(posted).count == n, "each declare post exactly once: \(posted.count)")
    }
}
