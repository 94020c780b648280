import BridgeTestSupport
import BridgeCore
import BridgeServer
import BridgeStore
import BridgeTesting
import Foundation
import Testing
import BridgePaging
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

@Suite struct ServiceTests {
    @Test func wholeIncidentInOneChannel() async throws {
        let clock = ManualClock()
        let env = try Fixtures.environment(clock: clock)
        let d = await env.run("/incident declare db-outage sev1 注文DBに接続できない")
        #expect(d.ok)
        let id = try #require(d.incidentID)
        #expect(id.rawValue == "INC-20261126-001")
        clock.advance(by: 120)
        #expect(await env.run("/incident ack", as: "takahashi").ok)
        clock.advance(by: 60)
        #expect(await env.run("/incident update 原因調査中", as: "takahashi").ok)
        clock.advance(by: 600)
        #expect(await env.run("/incident resolve フェイルオーバーで復旧", as: "takahashi").ok)
        let (inc, entries) = try await env.store.read { r in (try r.incident(id)!, try r.timeline(id)) }
        #expect(inc.state == .resolved)
        #expect(entries.map(\.kind) == [.declared, .acknowledged, .update, .resolved])
        #expect(entries.map(\.actor) == ["suzuki", "takahashi", "takahashi", "takahashi"])
        #expect(try await env.store.read { try $0.pendingTimers(id) }.isEmpty)
        let posts = try await env.store.dueMessages(now: .distantFuture, platforms: ["console"], limit: 100)
        #expect(posts.count == 1)  // the head of the console queue; four posts in all
        let counts = try await env.store.outboxCounts()
        #expect(counts["pending"] == 4)
        // The second incident of the day gets the next number.
        #expect(await env.run("/incident declare batch-failure 夜間バッチ異常終了").incidentID?.rawValue == "INC-20261126-002")
    }

    @Test func illegalCommandsChangeNothing() async throws {
        let env = try Fixtures.environment()
        await env.run("/incident declare db-outage sev1 x")
        await env.run("/incident ack")
        let before = try await env.store.outboxCounts()
        let again = await env.run("/incident ack", as: "sato")
        #expect(!again.ok)
        #expect(again.reply.contains("了解済み"))
        #expect(!(await env.run("/incident close")).ok)
        #expect(!(await env.run("/incident declare nope sev1 x")).ok)
        #expect(!(await env.run("/incident assign commander @nobody")).ok)
        #expect(try await env.store.outboxCounts() == before)
        let entries = try await env.store.read { try $0.timeline(IncidentID("INC-20261126-001")) }
        #expect(entries.count == 2)
    }

    /// Two services over one store (two processes): each command sees what the other committed.
    @Test func anotherWritersChangeIsSeen() async throws {
        let env = try Fixtures.environment()
        await env.run("/incident declare db-outage sev1 x")
        // A second service over the same store acknowledges.
        let other = IncidentService(
            config: env.service.config,
            store: env.store,
            outgoing: env.outgoing,
            reports: env.service.reports,
            clock: env.service.clock
        )
        #expect(
            await other.handle(ChatCommand(platform: "console", channel: "console", user: "takahashi", text: "ack")).ok
        )
        let again = await env.run("/incident ack", as: "sato")
        #expect(!again.ok)
        #expect(again.reply.contains("了解済み"))
        #expect(await env.run("/incident update 調査中").ok)
        let inc = try await env.store.read { r in try r.incident(IncidentID("INC-20261126-001"))! }
        #expect(inc.acknowledgedBy == "takahashi")
        #expect(inc.lastUpdateAt != nil)
        let entries = try await env.store.read { try $0.timeline(IncidentID("INC-20261126-001")) }
        #expect(entries.map(\.kind) == [.declared, .acknowledged, .update])
    }

    @Test func ambiguousTargetNeedsAnID() async throws {
        let env = try Fixtures.environment()
        await env.run("/incident declare db-outage sev1 a")
        await env.run("/incident declare batch-failure b")
        let r = await env.run("/incident ack")
        #expect(!r.ok)
        #expect(r.reply.contains("INC-20261126-001, INC-20261126-002"))
        #expect(await env.run("/incident ack INC-20261126-002").ok)
    }

    @Test func retriedDeliveryIsAppliedOnce() async throws {
        let env = try Fixtures.environment()
        let first = await env.run("/incident declare db-outage sev1 a", key: "slack:Ev1")
        let second = await env.run("/incident declare db-outage sev1 a", key: "slack:Ev1")
        #expect(first.ok && !first.duplicate)
        #expect(second.duplicate)
        #expect(try await env.store.read { try $0.openIncidents() }.count == 1)
    }

    @Test func changingTheAccountableRoleChangesThePost() async throws {
        let env = try Fixtures.environment { c in
            var t = c.eventTypes["db-outage"]!
            t.raci = t.raci.map { row in
                row.role == "business_owner" ? (row.role, .I) : row.role == "security" ? (row.role, .A) : row
            }
            c.eventTypes["db-outage"] = t
        }
        await env.run("/incident declare db-outage sev1 x")
        let post = try await env.store.dueMessages(now: .distantFuture, platforms: ["console"], limit: 1)
        #expect(post.first?.text.contains("A（説明責任者）: @中村 大輔") == true)
    }

    @Test func readOnlyVerbsAnswer() async throws {
        let env = try Fixtures.environment()
        #expect(await env.run("/incident raci db-outage").reply.contains("A  事業責任者: 佐藤 健"))
        #expect(await env.run("/incident runbook db-outage").reply.contains("Runbooks/db-outage.md"))
        #expect(await env.run("/incident help").reply.contains("declare"))
        #expect(await env.run("/incident list").reply.contains("ありません"))
        await env.run("/incident declare db-outage sev1 x")
        #expect(await env.run("/incident show").reply.contains("INC-20261126-001"))
        #expect(await env.run("/incident timeline csv").reply.hasPrefix("time,actor,kind,text"))
        #expect(await env.run("/incident drill restore ok 40").ok)
        #expect(await env.run("/incident change rel-1 success").ok)
    }

    @Test func exportMarksClocks() async throws {
        let clock = ManualClock()
        let env = try Fixtures.environment("Examples/bridge.en.yaml", clock: clock)
        await env.run("/incident declare db-outage sev1 Orders DB down")
        clock.advance(by: 40 * 60)
        await env.run("/incident ack")
        clock.advance(by: 60 * 60)
        await env.run("/incident resolve failover")
        let id = IncidentID("INC-20261126-001")
        let (inc, entries) = try await env.store.read { r in (try r.incident(id)!, try r.timeline(id)) }
        let md = TimelineExporter(config: env.config).markdown(inc, entries)
        #expect(md.contains("| first response | 30m | 40m | missed |"))
        #expect(md.contains("| restore | 4h | 1h40m | met |"))
        #expect(md.contains("R (responsible): "))
        #expect(md.contains("2026-11-26T10:40:00+09:00"))
    }
}
