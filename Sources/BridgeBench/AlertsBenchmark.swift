// One long function on purpose: a benchmark is a linear measurement script (set-up, baseline, timed run,
// report) that reads best top to bottom.
import BridgeAlerts
import BridgeChat
import BridgeConfig
import BridgeCore
import BridgeServer
import BridgeStore
import BridgeTransport
import Foundation
import GRDB
import Hummingbird
import Logging

/// An alert storm: `--posts` Alertmanager webhook posts over `--groups` groups through the real route and
/// libcurl; exactly one incident per group, nothing lost. Baseline: the same posts to a bare route.
func alertsBenchmark() async throws {
    // The alert route refuses unauthenticated posts (issue 15): the bench sends the token like Alertmanager does.
    let benchSecrets = ["ALERTMANAGER_TOKEN": "bench-alert-token-0123456789", "INCIDENT_BRIDGE_READ_TOKEN": "bench-read-token"]
    let posts = argument("--posts", 10_000)
    let groups = argument("--groups", 500)
    let concurrency = argument("--concurrency", 8)
    var config = try ConfigLoader.load(path: "Examples/bridge.en.yaml")
    config.chat.consoleEnabled = false
    let dir = NSTemporaryDirectory() + "ib-bench-" + UUID().uuidString
    let logger = Logger(label: "bench")
    // BENCH_DB=postgres://... runs on PostgreSQL; `--instances 2` adds a second instance on the same database
    // (its own store, service, router and port), and the posts alternate between them.
    let db = ProcessInfo.processInfo.environment["BENCH_DB"] ?? dir + "/bench.sqlite"
    let instances = argument("--instances", 1)
    let parts = try BridgeServer.parts(
        config: config,
        dbPath: db,
        settings: try PlatformSettings(config: config, environment: benchSecrets),
        templates: "Templates",
        logger: logger
    )
    let botPort = 18_191
    let barePort = 18_192
    let bareRouter = Router()
    bareRouter.post("/alerts/alertmanager") { request, _ -> String in
        var r = request
        _ = try await r.collectBody(upTo: 1 << 20)
        return "ok"
    }
    let servers = try await startServers(parts, botPort: botPort, bare: bareRouter, barePort: barePort, logger: logger)
    var second: Task<Void, Error>?
    if instances > 1 {
        let other = try BridgeServer.parts(
            config: config,
            dbPath: db,
            settings: try PlatformSettings(config: config, environment: benchSecrets),
            templates: "Templates",
            logger: logger
        )
        let app = Application(
            router: BridgeServer.router(other),
            configuration: .init(address: .hostname("127.0.0.1", port: botPort + 10)),
            logger: logger
        )
        second = Task { try await app.runService() }
        try await Task.sleep(nanoseconds: 500_000_000)
    }
    // Post i belongs to group i % groups and carries i / groups + 1 firing alerts (a growing group).
    var bodies: [Data] = []
    for i in 0..<posts {
        let g = i % groups
        let n = i / groups + 1
        let alerts = (0..<n).map { k in
            "{\"status\":\"firing\",\"labels\":{\"alertname\":\"DiskFull\",\"service\":\"db\",\"cluster\":\"c\(g)\",\"instance\":\"db\(k)\"},"
                + "\"annotations\":{\"summary\":\"Disk full in c\(g)\"},\"startsAt\":\"2026-11-26T23:08:28Z\","
                + "\"endsAt\":\"0001-01-01T00:00:00Z\",\"generatorURL\":\"http://prom/graph\",\"fingerprint\":\"f\(g)-\(k)\"}"
        }.joined(separator: ",")
        let body =
            "{\"version\":\"4\",\"groupKey\":\"{}:{alertname=\\\"DiskFull\\\", cluster=\\\"c\(g)\\\"}\",\"status\":\"firing\","
            + "\"receiver\":\"bot\",\"groupLabels\":{\"alertname\":\"DiskFull\",\"cluster\":\"c\(g)\"},"
            + "\"commonLabels\":{\"alertname\":\"DiskFull\",\"service\":\"db\",\"cluster\":\"c\(g)\"},"
            + "\"commonAnnotations\":{\"summary\":\"Disk full in c\(g)\"},\"externalURL\":\"http://am\",\"alerts\":[\(alerts)]}"
        bodies.append(Data(body.utf8))
    }
    let transport = CurlTransport(connectTimeout: 5, timeout: 30, workers: concurrency)
    func storm(_ port: Int, spread: Int = 1) async throws -> (seconds: Double, failed: Int) {
        let start = Date()
        let failed = await withTaskGroup(of: Int.self) { group -> Int in
            var next = 0
            var failed = 0
            func add() {
                let body = bodies[next]
                let target = port + (next % spread) * 10
                next += 1
                group.addTask {
                    let r = try? await transport.send(
                        BridgeCore.HTTPRequest(
                            url: "http://127.0.0.1:\(target)/alerts/alertmanager",
                            headers: [("Content-Type", "application/json"), ("Authorization", "Bearer \(benchSecrets["ALERTMANAGER_TOKEN"]!)")],
                            body: body
                        )
                    )
                    return r?.status == 200 ? 0 : 1
                }
            }
            for _ in 0..<min(concurrency * 2, bodies.count) { add() }
            while let f = await group.next() {
                failed += f
                if next < bodies.count { add() }
            }
            return failed
        }
        return (Date().timeIntervalSince(start), failed)
    }
    let base = try await storm(barePort)
    let real = try await storm(botPort, spread: instances)
    let (incidents, notes) = try await parts.environment.store.read { r -> (Int, Int) in
        let incs = try r.incidents(declaredSince: .distantPast)
        return (incs.count, try incs.reduce(0) { $0 + (try r.timeline($1.id).filter { $0.kind == .alert }.count) })
    }
    print(
        "alerts: \(posts) webhook posts over \(groups) groups, \(concurrency) concurrent libcurl clients, "
            + "\(parts.environment.store.location.hasPrefix("postgres") ? "PostgreSQL" : "SQLite"), \(instances) instance(s)"
    )
    print(
        String(
            format: "  bare route: %.0f posts/s (%.2f s, %d failed)",
            Double(posts) / base.seconds,
            base.seconds,
            base.failed
        )
    )
    print(
        String(
            format: "  /alerts/alertmanager: %.0f posts/s (%.2f s, %d failed)",
            Double(posts) / real.seconds,
            real.seconds,
            real.failed
        )
    )
    print(String(format: "  ratio real/bare: %.2fx", base.seconds / real.seconds))
    print(
        "  incidents: \(incidents) (expected \(groups)); alert timeline entries: \(notes) (expected \(posts), 0 lost)"
    )
    print(String(format: "  max RSS: %.0f MiB", maxRSSMiB()))
    servers.cancel()
    second?.cancel()
    try? FileManager.default.removeItem(atPath: dir)
}
