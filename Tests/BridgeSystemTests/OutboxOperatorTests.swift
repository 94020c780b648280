import BridgeTestSupport
import BridgeCore
import BridgeServer
import BridgeStore
import Foundation
import GRDB
import Logging
import Testing

@testable import BridgeTesting

/// Bounded queues and operator control: retention removes old sent rows and old inbound ids and nothing else;
/// `incident-bridge outbox` lists, retries and drops rows while `serve` runs.
@Suite(.serialized) struct OutboxOperatorTests {
    @Test func retentionRemovesOldSentRowsAndInboundIdsOnly() async throws {
        let clock = ManualClock()
        let env = try Fixtures.environment("Examples/bridge.en.yaml", clock: clock)
        let store = env.sqliteStore
        let now = clock.now()
        let day: TimeInterval = 86_400
        try await store.writer.write { db in
            func row(_ status: String, created: TimeInterval, sent: TimeInterval?) throws {
                try db.execute(
                    sql: """
                        INSERT INTO outbox (platform, channel, kind, text, status, created_at, next_attempt_at, sent_at)
                        VALUES ('webhook', 'w', 'info', ?, ?, ?, ?, ?)
                        """,
                    arguments: [status, status, now.timeIntervalSince1970 - created, now.timeIntervalSince1970 - created,
                        sent.map { now.timeIntervalSince1970 - $0 }]
                )
            }
            try row("sent", created: 40 * day, sent: 31 * day)  // old sent: removed
            try row("sent", created: 40 * day, sent: 29 * day)  // sent 29 days ago: kept
            try row("pending", created: 90 * day, sent: nil)  // unsent, however old: kept
            try row("failed", created: 90 * day, sent: nil)  // failed: kept for the operator
            for (key, age) in [("old", 8 * day), ("recent", 6 * day)] {
                try db.execute(
                    sql: "INSERT INTO inbound_requests (key, received_at) VALUES (?, ?)",
                    arguments: [key, now.timeIntervalSince1970 - age]
                )
            }
        }
        let service = RetentionService(
            store: store,
            retention: env.config.retention,
            clock: clock,
            logger: Logger(label: "retention")
        )
        let removed = try await service.purgeOnce()
        #expect(removed.outbox == 1 && removed.inbound == 1)
        let left = try await store.writer.read { db in
            try Row.fetchAll(db, sql: "SELECT status, sent_at FROM outbox ORDER BY id").map { $0["status"] as String }
        }
        #expect(left == ["sent", "pending", "failed"])
        let keys = try await store.writer.read { db in try String.fetchAll(db, sql: "SELECT key FROM inbound_requests") }
        #expect(keys == ["recent"])
        // A day later the second sent row is past 30 days too.
        clock.advance(by: 2 * day)
        #expect(try await service.purgeOnce().outbox == 1)
    }

    @Test func listRetryAndDropWhileServeRuns() async throws {
        let dir = Fixtures.tempDir()
        // The pager refuses the first page for good (400), then accepts; the chat webhook is down (503).
        let pages = try Sink(environment: ["SINK_STATUSES": "400,200"])
        let chat = try Sink(status: 503)
        defer {
            pages.stop()
            chat.stop()
        }
        let text = try String(contentsOfFile: Fixtures.path("Examples/bridge.en.yaml"), encoding: .utf8)
        let configText = text.replacingOccurrences(
            of: "chat:\n  console: {enabled: true}\n",
            with: "chat:\n  console: {enabled: true}\n  webhook: {url_env: CHAT_WEBHOOK_URL}\n"
                + "paging:\n  webhook: {url: \"\(pages.url)/page\"}\n"
        )
        let config = dir + "/bridge.yaml"
        try configText.write(toFile: config, atomically: true, encoding: .utf8)
        let db = dir + "/bridge.sqlite"
        let serve = try CrashRecoveryTests.ServeProcess(
            config: config,
            db: db,
            outPath: dir + "/out.txt",
            environment: ["CHAT_WEBHOOK_URL": chat.url + "/chat"]
        )
        defer { serve.stop() }
        serve.send("/incident declare db-outage sev1 DB down")
        func outbox(_ args: [String]) throws -> CLI.Result {
            try CLI.run(["outbox"] + args + ["--config", config, "--db", db])
        }
        // The page failed for good; the chat post waits for a retry.
        #expect(try await CrashRecoveryTests.waitFor(20) { try outbox(["--status", "failed"]).stdout.contains("pagewebhook:webhook") })
        let failed = try outbox(["--status", "failed", "--json"])
        #expect(failed.status == 0, "\(failed.stderr)")
        let rows = try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.count == 1 && rows.first?["kind"] as? String == "page_trigger")
        #expect((rows.first?["lastError"] as? String ?? "").contains("400"))
        let pending = try outbox(["list", "--status", "pending"])
        #expect(pending.stdout.contains("webhook:webhook") && pending.stdout.contains("declare"), "\(pending.stdout)")

        // Retry the failed page: the pager accepts it now.
        let retry = try outbox(["retry", "--failed"])
        #expect(retry.stdout.contains("1 row(s) requeued"), "\(retry.stdout) \(retry.stderr)")
        #expect(try await CrashRecoveryTests.waitFor(20) { pages.requests.count == 2 })
        #expect(try await CrashRecoveryTests.waitFor(10) { try outbox(["--status", "failed"]).stdout.contains("nothing failed") })

        // Drop the chat post that cannot be delivered; the incident's timeline says so.
        let id = try #require(pending.stdout.split(separator: "\n").first { $0.contains("webhook:webhook") }?.split(separator: "\t").first)
        let drop = try outbox(["drop", String(id), "--by", "suzuki"])
        #expect(drop.status == 0 && drop.stdout.contains("1 row(s) dropped"), "\(drop.stdout) \(drop.stderr)")
        #expect(try CLI.run(["outbox", "drop", "999999", "--config", config, "--db", db]).status == 1)
        let store = try SQLiteStore(path: db)
        let timeline = try await store.read { r in
            try r.incidents(declaredSince: .distantPast).first.map { try r.timeline($0.id) } ?? []
        }
        let note = timeline.first { $0.text.contains("dropped by the operator") }
        #expect(note?.actor == "suzuki", "\(timeline.map(\.text))")
        #expect(try outbox(["--status", "bogus"]).status == 2)
    }

    /// A status-update reminder that could not be sent for 3 hours is dropped with a timeline note; an
    /// escalation post just as old is still delivered (pages and escalations are never dropped).
    @Test func staleRemindersAreDroppedButEscalationsAreDelivered() async throws {
        let clock = ManualClock()
        let env = try Fixtures.environment("Examples/bridge.en.yaml", clock: clock)
        await env.run("/incident declare db-outage sev1 DB down")
        let id = IncidentID("INC-20261126-001")
        let created = clock.now()
        for kind in ["reminder", "escalated"] {
            _ = try await env.store.write { tx in
                try tx.enqueue(
                    OutboxMessage(
                        incidentID: id,
                        destination: Destination(platform: "webhook", channel: "w"),
                        kind: kind,
                        text: "\(kind) text",
                        createdAt: created
                    )
                )
            }
        }
        clock.advance(by: 3 * 3600)
        let poster = RecordingPoster(platform: "webhook")
        let dispatcher = DispatcherService(
            outbox: env.store,
            posters: [poster],
            fallback: RecordingPoster(platform: "console"),
            clock: clock,
            wake: WakeSignal(),
            metrics: nil,
            heartbeat: Heartbeat(),
            config: env.config,
            logger: Logger(label: "stale")
        )
        let task = Task { try await dispatcher.run() }
        defer { task.cancel() }
        #expect(try await CrashRecoveryTests.waitFor(10) { poster.messages.contains { $0.kind == "escalated" } })
        #expect(!poster.messages.contains { $0.kind == "reminder" })
        let timeline = try await env.store.read { try $0.timeline(id) }
        #expect(timeline.contains { $0.text.hasPrefix("reminder to webhook:w dropped: 3h") }, "\(timeline.map(\.text))")
    }
}
