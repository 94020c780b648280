import BridgeTestSupport
import BridgeCore
import BridgeStore
import Foundation
import GRDB
import Testing

@testable import BridgeTesting

/// kill -9 of a real `serve` at random moments while an incident's posts and pages are queued, sent and due:
/// after a restart nothing is lost (every declare post, escalation post and page reaches its sink) and a repeat
/// happens only on the at-least-once platforms (here both webhooks), recognisable by its `delivery_id`.
/// `KILL_TRIALS` sets the number of trials (8 in `make test`, 200 for the figure in the closing note).
@Suite(.serialized) struct KillNineDeliveryTests {
    @Test func randomKillsLoseNoPostOrPage() async throws {
        let trials = Int(ProcessInfo.processInfo.environment["KILL_TRIALS"] ?? "") ?? 8
        let chat = try Sink()
        let pages = try Sink()
        defer {
            chat.stop()
            pages.stop()
        }
        var lost = 0
        var repeats = 0
        for trial in 0..<trials {
            let dir = Fixtures.tempDir()
            let base = try String(contentsOfFile: try CrashRecoveryTests.config(dir: dir), encoding: .utf8)
            let config = dir + "/bridge.yaml"
            try base.replacingOccurrences(
                of: "chat:\n  console: {enabled: true}\n",
                with: "chat:\n  console: {enabled: true}\n  webhook: {url_env: CHAT_WEBHOOK_URL}\n"
                    + "paging:\n  webhook: {url: \"\(pages.url)/t\(trial)\"}\n"
            ).write(toFile: config, atomically: true, encoding: .utf8)
            let env = ["CHAT_WEBHOOK_URL": chat.url + "/t\(trial)"]
            let db = dir + "/bridge.sqlite"
            let first = try CrashRecoveryTests.ServeProcess(config: config, db: db, outPath: dir + "/o1", environment: env)
            first.send("/incident declare db-outage sev1 trial \(trial)")
            _ = try await CrashRecoveryTests.waitFor(5) { first.output.contains("MAJOR INCIDENT") }
            try await Task.sleep(nanoseconds: UInt64.random(in: 0...1_600_000_000))  // the 1 s step is due in there
            first.kill9()
            let second = try CrashRecoveryTests.ServeProcess(config: config, db: db, outPath: dir + "/o2", environment: env)
            let store = try SQLiteStore(path: db)
            let settled = try await CrashRecoveryTests.waitFor(90) {
                let unsent = try await store.writer.read { db in
                    try Int.fetchOne(
                        db,
                        sql: "SELECT COUNT(*) FROM outbox WHERE platform IN ('webhook','pagewebhook') AND status != 'sent'"
                    ) ?? 0
                }
                let escalated = try await store.read { r in
                    try r.incidents(declaredSince: .distantPast).first.map {
                        try r.timeline($0.id).contains { $0.kind == .escalated }
                    } ?? false
                }
                return escalated && unsent == 0
            }
            second.stop()
            #expect(settled, "trial \(trial): everything sent after the restart")
            // What should have arrived: the declare and escalation posts, the two trigger pages.
            func bodies(_ sink: Sink) -> [[String: Any]] {
                sink.requests.filter { ($0["path"] as? String) == "/t\(trial)" }.compactMap { r in
                    (r["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
                }
            }
            let posts = bodies(chat)
            let paged = bodies(pages)
            let expected =
                [posts.contains { $0["kind"] as? String == "declare" }, posts.contains { $0["kind"] as? String == "escalated" }]
                + [0, 1].map { step in paged.contains { $0["event"] as? String == "trigger" && $0["step"] as? Int == step } }
            if expected.contains(false) { lost += 1 }
            let keys = posts.compactMap { $0["outbox_id"] as? Int }.map(String.init) + paged.compactMap { $0["delivery_id"] as? String }
            repeats += keys.count - Set(keys).count
        }
        print("kill -9 delivery: trials=\(trials) lost=\(lost) repeated deliveries (at-least-once webhooks)=\(repeats)")
        #expect(lost == 0)
    }
}
