import BridgeTestSupport
import BridgeCore
@testable import BridgeServer
import BridgeTesting
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing
import BridgePaging
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

@Suite struct PagesTests {
    static let token = "test-only-read-token-7f3a"

    /// `serve`'s parts on a manual clock, with the pages registered the way `serve` registers them.
    struct Rig {
        let parts: BridgeServer.Parts
        let clock: ManualClock
        let app: Application<RouterResponder<BasicRequestContext>>

        init(
            config file: String = "Examples/bridge.en.yaml",
            tokenEnv: String? = nil,
            environment: [String: String] = [:]
        )
            throws
        {
            var config = try Fixtures.config(file)
            config.http.readTokenEnv = tokenEnv
            config.http.publicPages = tokenEnv == nil  // without a token the pages are open only when told so
            clock = ManualClock()
            parts = try BridgeServer.parts(
                config: config,
                dbPath: Fixtures.tempDir() + "/b.sqlite",
                clock: clock,
                // The read token as `serve` gets it: resolved with the other secrets at start, from `environment`.
                settings: try PlatformSettings(
                    config: config,
                    environment: Fixtures.secrets().filter { $0.key != "INCIDENT_BRIDGE_READ_TOKEN" }
                        .merging(environment) { $1 }
                ),
                templates: Fixtures.path("Templates"),
                logger: Logger(label: "test")
            )
            if tokenEnv == nil {
                app = Application(router: BridgeServer.router(parts))
            } else {
                let router = Router()
                IncidentPages(parts: parts, templates: Fixtures.path("Templates"))
                    .register(on: router)
                app = Application(router: router)
            }
        }

        @discardableResult
        func run(_ text: String, as user: String = "suzuki") async throws -> IncidentID? {
            let out = await parts.environment.service.handle(
                ChatCommand(
                    platform: "console",
                    channel: "console",
                    user: user,
                    text: text
                )
            )
            #expect(out.ok, "\(text): \(out.reply)")
            return out.incidentID
        }
    }

    static func get(_ client: some TestClientProtocol, _ uri: String, headers: HTTPFields = [:]) async throws
        -> (HTTPResponse.Status, HTTPFields, String)
    { try await Fixtures.get(client, uri, headers: headers) }

    @Test func listShowsOpenAndRecentIncidentsWithRAndAAndSLATimeLeft() async throws {
        let rig = try Rig()
        let open = try #require(try await rig.run("/incident declare db-outage sev1 Orders DB unreachable"))
        let done = try #require(try await rig.run("/incident declare batch-failure Nightly batch aborted"))
        rig.clock.advance(by: 600)
        try await rig.run("/incident ack \(done)", as: "takahashi")
        try await rig.run("/incident resolve \(done) rerun succeeded", as: "takahashi")
        try await rig.app.test(.router) { client in
            let (status, headers, html) = try await Self.get(client, "/incidents")
            #expect(status == .ok)
            #expect(headers[.contentType] == "text/html; charset=utf-8")
            #expect(headers[.cacheControl] == "no-store")
            #expect(html.contains("<html lang=\"en\">"))
            #expect(html.contains("name=\"viewport\" content=\"width=device-width, initial-scale=1\""))
            #expect(html.contains("<a href=\"/incidents/\(open)\">\(open)</a>"))
            #expect(html.contains("<a href=\"/incidents/\(done)\">\(done)</a>"))
            #expect(html.contains("Orders DB unreachable"))
            #expect(html.contains("Misaki Suzuki, Makoto Takahashi"))  // R of db-outage
            #expect(html.contains("Ken Sato"))  // A
            // 10 minutes into a 30-minute first response: 20 minutes left.
            #expect(html.contains("first response 20m left"))
            #expect(html.contains("Open (1)"))
            let openSection = try #require(html.range(of: "Recent (last 14 days)"))
            #expect(html[..<openSection.lowerBound].contains("Orders DB unreachable"))
            #expect(html[openSection.upperBound...].contains("Nightly batch aborted"))
            #expect(html[openSection.upperBound...].contains("resolved"))
        }
    }

    @Test func incidentPageShowsTimelineClocksAndLocalTimes() async throws {
        let rig = try Rig()
        let id = try #require(try await rig.run("/incident declare db-outage sev1 Orders DB unreachable"))
        rig.clock.advance(by: 10 * 60)
        try await rig.run("/incident ack \(id)", as: "takahashi")
        try await rig.run("/incident update \(id) failover to the standby started", as: "takahashi")
        rig.clock.advance(by: 5 * 3600)
        try await rig.run("/incident resolve \(id) standby promoted, orders flowing", as: "takahashi")
        try await rig.app.test(.router) { client in
            let (status, _, html) = try await Self.get(client, "/incidents/\(id.rawValue.lowercased())")
            #expect(status == .ok)
            #expect(html.contains("<title>\(id) Orders DB unreachable</title>"))
            for text in [
                "failover to the standby started", "standby promoted, orders flowing", "Makoto Takahashi",
                "acknowledged", "R (responsible)", "A (accountable)", "C (consulted)", "I (informed)",
            ] {
                #expect(html.contains(text), "\(text)")
            }
            // First response met after 10 minutes; restore missed after 5h10m against 4h.
            #expect(
                html.contains(
                    "<td>first response</td>\n<td data-label=\"Target\">30m</td>\n<td data-label=\"Actual\">10m</td>\n<td class=\"ok\" data-label=\"Result\">met</td>"
                )
            )
            #expect(
                html.contains(
                    "<td>restore</td>\n<td data-label=\"Target\">4h</td>\n<td data-label=\"Actual\">5h10m</td>\n<td class=\"bad\" data-label=\"Result\">missed</td>"
                )
            )
            // Times in the config's zone (Asia/Tokyo): declared 2026-11-26 10:00 +09:00.
            #expect(html.contains("<time datetime=\"2026-11-26T10:00:00+09:00\">2026-11-26 10:00"))
            #expect(html.contains("<time datetime=\"2026-11-26T15:10:00+09:00\">2026-11-26 15:10</time>"))
            #expect(html.contains("All times in Asia/Tokyo"))
        }
    }

    @Test func japaneseConfigGetsJapaneseLabelsAndLang() async throws {
        let rig = try Rig(config: "Examples/bridge.yaml")
        let id = try #require(try await rig.run("/incident declare db-outage sev1 注文DBに接続できない"))
        try await rig.app.test(.router) { client in
            let (_, _, list) = try await Self.get(client, "/incidents")
            #expect(list.contains("<html lang=\"ja\">"))
            #expect(list.contains("インシデント一覧"))
            #expect(list.contains("初動 残り 30m"))
            let (_, _, page) = try await Self.get(client, "/incidents/\(id)")
            #expect(page.contains("タイムライン"))
            #expect(page.contains("注文DBに接続できない"))
            #expect(page.contains("計測中"))
        }
    }

    /// A big incident's page shows its summary, clocks and newest entries first, with a link to all of them.
    @Test func aBigTimelineShowsTheNewestEntriesAndAWayToTheRest() async throws {
        let rig = try Rig()
        let id = try #require(try await rig.run("/incident declare db-outage sev1 storm"))
        let at = rig.clock.now()
        try await rig.parts.environment.store.write { tx in
            for i in 1...500 {
                try tx.append(TimelineEntry(incidentID: id, at: at, actor: "alertmanager", kind: .alert, text: "storm entry #\(i)."))
            }
        }
        try await rig.app.test(.router) { client in
            let (status, _, html) = try await Self.get(client, "/incidents/\(id)")
            #expect(status == .ok)
            #expect(html.contains("storm entry #500.") && html.contains("storm entry #301."))
            #expect(!html.contains("storm entry #300."))
            #expect(html.contains("Showing the latest 200 of 501 entries"))
            #expect(html.contains("href=\"/incidents/\(id)?all=1\""))
            let all = try await Self.get(client, "/incidents/\(id)?all=1").2
            #expect(all.contains("storm entry #1.") && all.contains("storm entry #500.") && !all.contains("Showing the latest"))
        }
    }

    /// `?all=1` is streamed (the frame once, the rows 1,000 at a time) and gives the bytes of the page rendered in
    /// memory with every entry.
    @Test func theStreamedFullPageEqualsTheOneRenderedInMemory() async throws {
        let rig = try Rig()
        let id = try #require(try await rig.run("/incident declare db-outage sev1 storm <&> \"quoted\""))
        let at = rig.clock.now()
        try await rig.parts.environment.store.write { tx in
            for i in 1...2_500 {
                try tx.append(
                    TimelineEntry(incidentID: id, at: at.addingTimeInterval(Double(i)), actor: i % 2 == 0 ? "suzuki" : "alertmanager",
                                  kind: .alert, text: "entry #\(i) <b>&amp;</b> ‹x›")
                )
            }
        }
        let pages = IncidentPages(parts: rig.parts, templates: Fixtures.path("Templates"))
        let context = try #require(try await pages.incidentContext(id, now: rig.clock.now(), link: "", rows: .all))
        guard case .success(let library) = pages.templates else { Issue.record("templates"); return }
        let expected = try #require(library.render(context, withTemplate: "incident"))
        try await rig.app.test(.router) { client in
            let (status, headers, html) = try await Self.get(client, "/incidents/\(id)?all=1")
            #expect(status == .ok && headers[.contentType] == "text/html; charset=utf-8")
            #expect(html == expected)
            #expect(html.components(separatedBy: "<td class=\"text entry\">").count == 2_502)
            #expect(!html.contains("ib-sentinel-"))
        }
    }

    @Test func unknownOrMalformedIncidentIs404() async throws {
        let rig = try Rig()
        try await rig.app.test(.router) { client in
            do {
                let v = try await Self.get(client, "/incidents/INC-20990101-001").0
                #expect(v == .notFound)
            }
            do {
                let (v, _, text) = try await Self.get(client, "/incidents/nope")
                #expect(v == .notFound)
                #expect(text == "no such incident\n", "from the word catalogue (page.no_such_incident)")
            }
        }
        // The 404 text is in the config's language.
        let ja = try Rig(config: "Examples/bridge.yaml")
        try await ja.app.test(.router) { client in
            let (v, _, text) = try await Self.get(client, "/incidents/INC-20990101-001")
            #expect(v == .notFound && text == "インシデントが見つかりません\n")
        }
    }

    @Test func valuesAreHTMLEscaped() async throws {
        let rig = try Rig()
        let id = try #require(try await rig.run("/incident declare db-outage sev1 <script>alert(1)</script> & co"))
        try await rig.run("/incident note \(id) <img src=x onerror=alert(2)>")
        try await rig.app.test(.router) { client in
            for uri in ["/incidents", "/incidents/\(id)"] {
                let (status, headers, html) = try await Self.get(client, uri)
                #expect(status == .ok)
                #expect(!html.contains("<script>"), "\(uri)")
                #expect(!html.contains("<img"), "\(uri)")
                #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"), "\(uri)")
                #expect(headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            }
        }
    }

    @Test func tokenIsRequiredWhenConfigured() async throws {
        let rig = try Rig(
            tokenEnv: "INCIDENT_BRIDGE_READ_TOKEN",
            environment: ["INCIDENT_BRIDGE_READ_TOKEN": Self.token]
        )
        let id = try #require(try await rig.run("/incident declare db-outage sev1 Orders DB unreachable"))
        try await rig.app.test(.router) { client in
            for uri in ["/incidents", "/incidents/\(id)"] {
                let (status, headers, body) = try await Self.get(client, uri)
                #expect(status == .unauthorized)
                #expect(headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
                #expect(!body.contains("Orders DB"))
                var wrong = HTTPFields()
                wrong[.authorization] = "Bearer \(Self.token)x"
                do {
                    let v = try await Self.get(client, uri, headers: wrong).0
                    #expect(v == .unauthorized)
                }
                do {
                    let v = try await Self.get(client, uri + "?token=\(Self.token.dropLast())").0
                    #expect(v == .unauthorized)
                }
                var bearer = HTTPFields()
                bearer[.authorization] = "Bearer \(Self.token)"
                do {
                    let v = try await Self.get(client, uri, headers: bearer).0
                    #expect(v == .ok)
                }
            }
            // With ?token= the links keep it, so a phone can follow them.
            let (status, _, html) = try await Self.get(client, "/incidents?token=\(Self.token)")
            #expect(status == .ok)
            #expect(html.contains("href=\"/incidents/\(id)?token=\(Self.token)\""))
        }
        // Named but not set: refuse everything rather than serve the pages openly.
        let unset = try Rig(tokenEnv: "INCIDENT_BRIDGE_READ_TOKEN", environment: [:])
        try await unset.app.test(.router) { client in
            do {
                let v = try await Self.get(client, "/incidents").0
                #expect(v == .serviceUnavailable)
            }
            do {
                let v = try await Self.get(client, "/incidents?token=").0
                #expect(v == .serviceUnavailable)
            }
        }
    }

    /// `/healthz` says why it is unhealthy; `/metrics` carries the series the deploy issue lists, refusals included.
    @Test func healthAndMetricsReportWhatOperationsNeeds() async throws {
        let rig = try Rig()
        try await rig.run("/incident declare db-outage sev1 Orders DB unreachable")
        try await rig.app.test(.router) { client in
            // Nothing runs the scheduler and dispatcher in a router test: not healthy, and it says why.
            let before = try await Self.get(client, "/healthz")
            #expect(before.0 == .serviceUnavailable)
            #expect(before.2.contains("scheduler has not started") && before.2.contains("dispatcher has not started"))
            rig.parts.schedulerBeat.beat(rig.clock.now())
            rig.parts.dispatcherBeat.beat(rig.clock.now())
            let after = try await Self.get(client, "/healthz")
            #expect(after.0 == .ok && after.2 == "ok\n")
            // 17 minutes on with both loops silent: the first escalation is overdue and the declare posts were never
            // taken; each loop is called stalled, with the numbers.
            rig.clock.advance(by: 17 * 60)
            let stalled = try await Self.get(client, "/healthz")
            #expect(stalled.0 == .serviceUnavailable)
            #expect(
                stalled.2.contains("scheduler stalled: a timer is") && stalled.2.contains("made no progress for 1020 s")
            )
            #expect(stalled.2.contains("dispatcher stalled: outbox row"))
            rig.parts.schedulerBeat.beat(rig.clock.now())
            rig.parts.dispatcherBeat.beat(rig.clock.now())
            #expect(try await Self.get(client, "/healthz").2 == "ok\n", "progress just now: busy, not stalled")
            try await rig.parts.environment.sqliteStore.writer.writeWithoutTransaction {
                try $0.execute(sql: "PRAGMA query_only = 1")
            }
            // One write probe per interval, however many GETs: the cached answer stands for 10 s.
            let probes = rig.parts.writeProbe.probes
            #expect(try await Self.get(client, "/healthz").0 == .ok)
            #expect(rig.parts.writeProbe.probes == probes)
            rig.clock.advance(by: 11)
            rig.parts.schedulerBeat.beat(rig.clock.now())
            rig.parts.dispatcherBeat.beat(rig.clock.now())
            let readOnly = try await Self.get(client, "/healthz")
            #expect(rig.parts.writeProbe.probes == probes + 1)
            #expect(readOnly.0 == .serviceUnavailable)
            #expect(readOnly.2.hasPrefix("database not writable"))
            try await rig.parts.environment.sqliteStore.writer.writeWithoutTransaction {
                try $0.execute(sql: "PRAGMA query_only = 0")
            }
        }
        var config = rig.parts.environment.config
        config.http.readTokenEnv = "INCIDENT_BRIDGE_READ_TOKEN"
        let guarded = Router()
        IncidentPages(
            config: config,
            store: rig.parts.environment.store,
            clock: rig.clock,
            metrics: rig.parts.metrics,
            templates: Fixtures.path("Templates"),
            readToken: Self.token,
            logger: Logger(label: "test")
        ).register(on: guarded)
        try await Application(router: guarded).test(.router) { client in
            let refused = try await Self.get(client, "/incidents")
            #expect(refused.0 == .unauthorized)
        }
        try await rig.app.test(.router) { client in
            let (status, _, text) = try await Self.get(client, "/metrics")
            #expect(status == .ok)
            for series in [
                "incident_bridge_open_incidents{severity=\"sev1\"} 1", "incident_bridge_escalations_fired_total",
                "incident_bridge_sla_breaches_total", "incident_bridge_outbox_rows{status=\"pending\"}",
                "incident_bridge_outbox_rows{status=\"failed\"} 0", "incident_bridge_delivery_latency_seconds_bucket",
                "incident_bridge_inbound_rejected_total{route=\"/incidents\",reason=\"unauthorized\"} 1",
            ] {
                #expect(text.contains(series), "\(series)")
            }
        }
    }

    /// Headless Chromium (Debian chromium + chromium-driver, driven by selenium from .peers-venv) opens the page of
    /// an incident served over real HTTP and finds its timeline entries.
    @Test func headlessChromiumFindsTheTimeline() async throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/chromedriver"),
            FileManager.default.isExecutableFile(atPath: Peers.venvPython)
        else {
            Issue.record("headless Chromium is missing: run `make peers` (chromium, chromium-driver, selenium)")
            return
        }
        let rig = try Rig(
            tokenEnv: "INCIDENT_BRIDGE_READ_TOKEN",
            environment: ["INCIDENT_BRIDGE_READ_TOKEN": Self.token]
        )
        let id = try #require(try await rig.run("/incident declare db-outage sev1 注文DBに接続できない"))
        rig.clock.advance(by: 300)
        try await rig.run("/incident ack \(id)", as: "takahashi")
        try await rig.run("/incident update \(id) フェイルオーバー開始 (standby へ切替中)", as: "takahashi")
        try await rig.run("/incident note \(id) 顧客影響: 注文受付が停止", as: "takahashi")
        let texts = try await rig.parts.environment.store.read { try $0.timeline(id) }.map(\.text)
        #expect(texts.count >= 4)
        try await rig.app.test(.live) { client in
            let port = try #require(client.port)
            let url = "http://localhost:\(port)/incidents/\(id)?token=\(Self.token)"
            let script = Fixtures.path("scripts/peers/browser_check.py")
            let r = try await Self.offThePool {
                try Peers.run(Peers.venvPython, [script, url] + texts + ["Makoto Takahashi"])
            }
            #expect(r.status == 0, "browser_check.py: \(r.stdout) \(r.stderr)")
            #expect(r.stdout.contains("lang: en"))
            // Without the token the browser gets the refusal, not the timeline.
            let refused = try await Self.offThePool {
                try Peers.run(Peers.venvPython, [script, "http://localhost:\(port)/incidents/\(id)", texts[0]])
            }
            #expect(refused.status == 1)
        }
    }

    /// Waits for a child process without holding a thread of the cooperative pool (the server needs it).
    static func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            Thread { c.resume(with: Result { try work() }) }.start()
        }
    }
}
