// One long function on purpose: a benchmark is a linear measurement script (set-up, baseline, timed run,
// report) that reads best top to bottom.
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

/// Signed Slack slash commands with wrk against the real routes (durable timeline write per command), next to
/// a bare Hummingbird route in the same process and run.
func slackBenchmark() async throws {
    let seconds = argument("--seconds", 10)
    let connections = argument("--connections", 16)
    let count = argument("--requests", 80_000)
    var config = try ConfigLoader.load(path: "Examples/bridge.en.yaml")
    config.chat.platforms["slack"] = ["api_base": "http://127.0.0.1:9"]
    config.chat.consoleEnabled = false
    let secret = "bench-signing-secret"
    let settings = try PlatformSettings(config: config, environment: ProcessInfo.processInfo.environment.merging(["SLACK_SIGNING_SECRET": secret, "SLACK_BOT_TOKEN": "xoxb-bench"]) { $1 })
    let dir = NSTemporaryDirectory() + "ib-bench-" + UUID().uuidString
    let logger = Logger(label: "bench")
    // BENCH_DB=postgres://... measures the PostgreSQL store (without the SQLite-specific floor measurements).
    let db = ProcessInfo.processInfo.environment["BENCH_DB"]
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let parts = try BridgeServer.parts(
        config: config,
        dbPath: db ?? dir + "/bench.sqlite",
        settings: settings,
        templates: "Templates",
        logger: logger
    )
    // One open incident the commands add notes to (each note: a timeline row and an outbox row, committed).
    _ = await parts.environment.service.handle(
        ChatCommand(
            platform: "slack",
            channel: "C1",
            user: "U01SUZU0002",
            text: "declare db-outage sev1 bench"
        )
    )
    let botPort = 18_181
    let barePort = 18_182
    let bareRouter = Router()
    bareRouter.post("/slack/commands") { _, _ in "ok" }
    let servers = try await startServers(parts, botPort: botPort, bare: bareRouter, barePort: barePort, logger: logger)
    // Pre-signed, all different (a unique trigger_id each, so none is a repeated delivery as long as each wrk
    // thread sends fewer than half of them: thread t starts at t * count / 2).
    let ts = String(Int(Date().timeIntervalSince1970))
    let signer = SlackSignature(secret: secret)
    var lua = "local reqs = {}\n"
    for i in 0..<count {
        // LuaJIT allows about 65k constants per function: the table is filled by chunks of 5,000.
        if i % 5000 == 0 { lua += (i > 0 ? "end\nfill()\n" : "") + "fill = function()\n" }
        let body =
            "team_id=T1&channel_id=C1&user_id=U01SUZU0002&user_name=suzuki&command=%2Fincident&text=note+bench+\(i)&trigger_id=bench\(i)"
        let sig = signer.sign(timestamp: ts, body: Data(body.utf8))
        lua +=
            "reqs[\(i + 1)] = wrk.format(\"POST\", \"/slack/commands\", {[\"Content-Type\"]=\"application/x-www-form-urlencoded\", "
            + "[\"X-Slack-Request-Timestamp\"]=\"\(ts)\", [\"X-Slack-Signature\"]=\"\(sig)\"}, \"\(body)\")\n"
    }
    lua += "end\nfill()\n"
    lua += """
        local n = 0
        local thread_id = 0
        function setup(thread) thread:set("tid", thread_id); thread_id = thread_id + 1 end
        function init(args) n = tid * math.floor(#reqs / 2) end
        function request() n = n + 1; return reqs[(n % #reqs) + 1] end
        """
    let script = dir + "/slack.lua"
    try lua.write(toFile: script, atomically: true, encoding: .utf8)
    var cpuPerRequest: [Int: Double] = [:]
    func wrk(_ port: Int) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/wrk")
        p.arguments = [
            "-t2", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script, "http://127.0.0.1:\(port)",
        ]
        let out = Pipe()
        p.standardOutput = out
        // Machine CPU per request, wrk included: busy CPU over the middle of the run (wrk spends its first
        // seconds loading the script) divided by the requests wrk reports per second.
        let sampler = BusySampler()
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        let rps =
            text.split(separator: "\n").first { $0.hasPrefix("Requests/sec:") }
            .flatMap { Double($0.split(separator: " ").last ?? "") } ?? .nan
        cpuPerRequest[port] = sampler.stop(window: Double(seconds) - 2) / rps * 1e6
        return text
    }
    func summary(_ text: String) -> (rps: Double, p50: String, p99: String, non2xx: String) {
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let rps =
            lines.first { $0.hasPrefix("Requests/sec:") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
        let p50 = lines.first { $0.hasPrefix("50%") }?.split(separator: " ").last.map(String.init) ?? "?"
        let p99 = lines.first { $0.hasPrefix("99%") }?.split(separator: " ").last.map(String.init) ?? "?"
        let non = lines.first { $0.hasPrefix("Non-2xx") }?.split(separator: " ").last.map(String.init) ?? "0"
        return (rps, p50, p99, non)
    }
    let bareOut = try wrk(barePort)
    let botOut = try wrk(botPort)
    let b = summary(bareOut)
    let s = summary(botOut)
    let notes = try await parts.environment.store.read { r in
        try r.openIncidents().first.map { try r.timeline($0.id).filter { $0.kind == .note }.count } ?? 0
    }
    print("slack: wrk -t2 -c\(connections) -d\(seconds)s, \(count) distinct pre-signed commands")
    print(String(format: "  bare Hummingbird route: %.0f req/s, p50 %@, p99 %@", b.rps, b.p50, b.p99))
    print(
        String(
            format: "  signed /slack/commands:  %.0f req/s, p50 %@, p99 %@, non-2xx %@",
            s.rps,
            s.p50,
            s.p99,
            s.non2xx
        )
    )
    print(
        String(format: "  throughput ratio signed/bare: %.2fx; durable notes written: %d", s.rps / max(b.rps, 1), notes)
    )
    // The per-command CPU budget 0.6x leaves on this machine, next to what the store's part of a note costs on
    // its own (no HTTP, no signature): the command through the service, and its SQL alone.
    if db != nil {
        print("  (PostgreSQL: \(parts.environment.store.location))")
        servers.cancel()
        return
    }
    let bareCPU = cpuPerRequest[barePort] ?? .nan
    let signedCPU = cpuPerRequest[botPort] ?? .nan
    let budget = bareCPU / 0.6 - bareCPU
    let service = parts.environment.service
    let floorCount = 16_000
    var t0 = cpuSeconds()
    await withTaskGroup(of: Void.self) { g in
        for w in 0..<16 {
            g.addTask {
                for i in stride(from: w, to: floorCount, by: 16) {
                    _ = await service.handle(
                        ChatCommand(platform: "slack", channel: "C1", user: "U01SUZU0002", text: "note floor \(i)"),
                        deliveryKey: "slack:command:floor\(i)"
                    )
                }
            }
        }
    }
    let serviceCPU = (cpuSeconds() - t0) / Double(floorCount) * 1e6
    let incident = try await parts.environment.store.read { try $0.openIncidents().first!.id.rawValue }
    let now = Date().timeIntervalSince1970
    t0 = cpuSeconds()
    for batch in 0..<(floorCount / 16) {
        try await parts.environment.sqliteStore.writer.write { db in
            for j in 0..<16 {
                let i = batch * 16 + j
                try db.cachedStatement(sql: "SAVEPOINT write").execute()
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO inbound_requests (key, received_at) VALUES (?, ?)")
                    .execute(arguments: ["slack:command:sql\(i)", now])
                _ = try String.fetchAll(
                    db.cachedStatement(
                        sql: "SELECT record FROM incidents WHERE state IN ('declared','acknowledged','mitigated')"
                    )
                )
                try db.cachedStatement(
                    sql: "INSERT INTO timeline (incident_id, at, actor, kind, text) VALUES (?, ?, ?, ?, ?)"
                ).execute(arguments: [incident, now, "suzuki", "note", "sql \(i)"])
                try db.cachedStatement(
                    sql: """
                        INSERT INTO outbox (incident_id, platform, channel, kind, text, mentions, status, attempts,
                                            created_at, next_attempt_at)
                        VALUES (?, 'slack', 'C1', 'note', ?, '[]', 'pending', 0, ?, ?)
                        """
                ).execute(arguments: [incident, ":pushpin: \(incident) note from Suzuki: sql \(i)", now, now])
                try db.cachedStatement(sql: "RELEASE SAVEPOINT write").execute()
            }
        }
    }
    let sqlCPU = (cpuSeconds() - t0) / Double(floorCount) * 1e6
    print(
        String(
            format: "  machine CPU per request (wrk included): bare %.0f us, signed %.0f us; 0.6x leaves %.0f us per "
                + "command beyond the bare route",
            bareCPU,
            signedCPU,
            budget
        )
    )
    print(
        String(
            format: "  the store's part alone (%d notes, 16 at a time): through the service %.0f us CPU per command, "
                + "its SQL alone (same statements, batches of 16, fsync) %.0f us",
            floorCount,
            serviceCPU,
            sqlCPU
        )
    )
    if notes < Int(s.rps * Double(seconds) * 0.95) {
        print("  note: fewer notes than requests: some requests repeated a trigger_id (raise --requests)")
    }
    servers.cancel()
    try? FileManager.default.removeItem(atPath: dir)
}
