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

// `incident-bridge-bench`: the benchmarks behind BENCHMARKS.md. Each reports ratios against a baseline
// measured in the same run.

/// CPU seconds (user + system) used by this process so far.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
}

/// Busy CPU seconds of the whole machine so far (every core; `/proc/stat`: all but idle and iowait).
func machineBusySeconds() -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
        let line = stat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
    else { return .nan }
    let f = line.split(separator: " ").dropFirst().compactMap { Double($0) }
    guard f.count >= 5 else { return .nan }
    let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
    return (f.reduce(0, +) - f[3] - f[4]) / ticks
}

/// Samples `machineBusySeconds` every 100 ms until stopped; the busy rate (cores) over the last `window` seconds
/// before the last second.
final class BusySampler: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [(at: Date, busy: Double)] = []
    private var running = true

    init() {
        Thread.detachNewThread {
            while self.lock.withLock({ self.running }) {
                let sample = (Date(), machineBusySeconds())
                self.lock.withLock { self.samples.append(sample) }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    func stop(window: Double) -> Double {
        let all = lock.withLock { () -> [(at: Date, busy: Double)] in
            running = false
            return samples
        }
        guard let last = all.last else { return .nan }
        let end = all.last { $0.at <= last.at.addingTimeInterval(-1) } ?? last
        let start = all.last { $0.at <= end.at.addingTimeInterval(-window) } ?? all[0]
        return (end.busy - start.busy) / end.at.timeIntervalSince(start.at)
    }
}

/// Peak resident set size in MiB.
func maxRSSMiB() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}

func percentile(_ xs: [Double], _ p: Double) -> Double {
    guard !xs.isEmpty else { return .nan }
    let s = xs.sorted()
    return s[min(s.count - 1, Int((Double(s.count - 1) * p).rounded()))]
}

func ms(_ x: Double) -> String { String(format: "%.1f ms", x * 1000) }

final class Samples: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [Double] = []
    func add(_ v: Double) { lock.withLock { values.append(v) } }
    var all: [Double] { lock.withLock { values } }
}

func argument(_ name: String, _ fallback: Int) -> Int {
    let args = CommandLine.arguments
    if let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) { return v }
    return fallback
}

/// Runs the real router on `botPort` and `bare` on `barePort` (same process, same cores) until cancelled.
func startServers(
    _ parts: BridgeServer.Parts,
    botPort: Int,
    bare: Router<BasicRequestContext>,
    barePort: Int,
    logger: Logger
)
    async throws -> Task<Void, Error>
{
    let bot = Application(
        router: BridgeServer.router(parts),
        configuration: .init(address: .hostname("127.0.0.1", port: botPort)),
        logger: logger
    )
    let bareApp = Application(
        router: bare,
        configuration: .init(address: .hostname("127.0.0.1", port: barePort)),
        logger: logger
    )
    let servers = Task {
        try await withThrowingTaskGroup(of: Void.self) { g in
            g.addTask { try await bot.runService() }
            g.addTask { try await bareApp.runService() }
            try await g.waitForAll()
        }
    }
    try await Task.sleep(nanoseconds: 1_000_000_000)
    return servers
}

/// 100k pending timers; `due` of them fall due over `window` seconds; then an idle stretch.
func timersBenchmark() async throws {
    let pending = argument("--pending", 100_000)
    let dueCount = argument("--due", 500)
    let window = argument("--window", 20)
    let idle = argument("--idle", 10)
    let config = try ConfigLoader.load(path: "Examples/bridge.en.yaml")
    let dir = NSTemporaryDirectory() + "ib-bench-" + UUID().uuidString
    let logger = Logger(label: "bench")
    let lateness = Samples()
    let clock = SystemClock()
    let parts = try BridgeServer.parts(
        config: config,
        dbPath: dir + "/bench.sqlite",
        clock: clock,
        templates: "Templates",
        logger: logger
    )
    let setup = Date()
    var dueTimes: [Date] = []
    try await parts.environment.store.writer.write { db in
        let incidents = 1000
        for i in 0..<incidents {
            var inc = Incident(
                id: IncidentID.make(day: "20261126", sequence: i + 1),
                eventType: "db-outage",
                severity: "sev1",
                title: "bench \(i)",
                declaredAt: setup,
                declaredBy: "bench"
            )
            inc.state = .acknowledged
            let record = String(decoding: try JSONEncoder.bench.encode(inc), as: UTF8.self)
            try db.execute(
                sql: """
                    INSERT INTO incidents (id, day, seq, state, severity, event_type, declared_at, origin_platform, origin_channel, record)
                    VALUES (?, '20261126', ?, 'acknowledged', 'sev1', 'db-outage', ?, 'bench', 'bench', ?)
                    """,
                arguments: [inc.id.rawValue, i + 1, setup.timeIntervalSince1970, record]
            )
        }
        let far = setup.addingTimeInterval(86_400).timeIntervalSince1970
        for i in 0..<(pending - dueCount) {
            try db.execute(
                sql: """
                    INSERT INTO timers (incident_id, kind, clock, fraction, due_at, created_at)
                    VALUES (?, 'sla_breach', 'restore', 1, ?, ?)
                    """,
                arguments: [
                    IncidentID.make(day: "20261126", sequence: i % incidents + 1).rawValue,
                    far + Double(i), setup.timeIntervalSince1970,
                ]
            )
        }
    }
    let engine = TimerEngine(
        config: config,
        store: parts.environment.store,
        outgoing: parts.environment.outgoing,
        clock: clock
    ) { timer, _ in lateness.add(Date().timeIntervalSince(timer.dueAt)) }
    let scheduler = SchedulerService(engine: engine, wake: WakeSignal(), heartbeat: Heartbeat(), logger: logger)

    // Baseline, same run: a bare task sleeping until each due time (what the runtime's timers give).
    let baseline = Samples()
    let baseStart = Date().addingTimeInterval(1)
    for i in 0..<min(dueCount, 200) {
        let due = baseStart.addingTimeInterval(Double(i) * 0.01)
        try await clock.sleep(until: due)
        baseline.add(Date().timeIntervalSince(due))
    }

    let start = Date().addingTimeInterval(2)
    for i in 0..<dueCount {
        dueTimes.append(start.addingTimeInterval(Double(window) * Double(i) / Double(dueCount)))
    }
    let dueList = dueTimes
    try await parts.environment.store.writer.write { db in
        for (i, due) in dueList.enumerated() {
            try db.execute(
                sql: "INSERT INTO timers (incident_id, kind, due_at, created_at) VALUES (?, 'update_reminder', ?, ?)",
                arguments: [
                    IncidentID.make(day: "20261126", sequence: i % 1000 + 1).rawValue,
                    due.timeIntervalSince1970, start.timeIntervalSince1970,
                ]
            )
        }
    }
    let task = Task { try await scheduler.run() }
    try await Task.sleep(nanoseconds: UInt64(max(0, start.timeIntervalSinceNow + Double(window) + 2) * 1e9))
    let fired = lateness.all
    // Idle: nothing is due for 30 minutes; measure CPU used by the process while the scheduler waits.
    let cpu0 = cpuSeconds()
    try await Task.sleep(nanoseconds: UInt64(idle) * 1_000_000_000)
    let idleCPU = cpuSeconds() - cpu0
    task.cancel()
    // Baseline idle: the same process with no scheduler, sleeping.
    let cpu1 = cpuSeconds()
    try await Task.sleep(nanoseconds: UInt64(idle) * 1_000_000_000)
    let baseIdleCPU = cpuSeconds() - cpu1

    let b = baseline.all
    print("timers: pending=\(pending) due=\(dueCount) over \(window)s; fired=\(fired.count)")
    print(
        "  lateness scheduler: p50 \(ms(percentile(fired, 0.5))) p99 \(ms(percentile(fired, 0.99))) max \(ms(fired.max() ?? .nan))"
    )
    print(
        "  lateness baseline (bare Task.sleep): p50 \(ms(percentile(b, 0.5))) p99 \(ms(percentile(b, 0.99))) max \(ms(b.max() ?? .nan))"
    )
    print(
        String(
            format: "  p99 ratio scheduler/baseline: %.1fx",
            percentile(fired, 0.99) / max(percentile(b, 0.99), 1e-6)
        )
    )
    print(
        String(
            format: "  idle CPU over %ds: scheduler %.3f s (%.2f%% of a core), baseline %.3f s",
            idle,
            idleCPU,
            idleCPU / Double(idle) * 100,
            baseIdleCPU
        )
    )
    print(String(format: "  max RSS: %.0f MiB", maxRSSMiB()))
    try? FileManager.default.removeItem(atPath: dir)
}

extension JSONEncoder {
    static let bench: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .secondsSince1970
        e.outputFormatting = [.sortedKeys]
        return e
    }()
}

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
    let settings = try PlatformSettings(config: config, environment: ["SLACK_SIGNING_SECRET": secret])
    let dir = NSTemporaryDirectory() + "ib-bench-" + UUID().uuidString
    let logger = Logger(label: "bench")
    let parts = try BridgeServer.parts(
        config: config,
        dbPath: dir + "/bench.sqlite",
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
        try await parts.environment.store.writer.write { db in
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

/// An alert storm: `--posts` Alertmanager webhook posts over `--groups` groups through the real route and
/// libcurl; exactly one incident per group, nothing lost. Baseline: the same posts to a bare route.
func alertsBenchmark() async throws {
    let posts = argument("--posts", 10_000)
    let groups = argument("--groups", 500)
    let concurrency = argument("--concurrency", 8)
    var config = try ConfigLoader.load(path: "Examples/bridge.en.yaml")
    config.chat.consoleEnabled = false
    let dir = NSTemporaryDirectory() + "ib-bench-" + UUID().uuidString
    let logger = Logger(label: "bench")
    let parts = try BridgeServer.parts(
        config: config,
        dbPath: dir + "/bench.sqlite",
        settings: try PlatformSettings(config: config, environment: [:]),
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
    func storm(_ port: Int) async throws -> (seconds: Double, failed: Int) {
        let start = Date()
        let failed = await withTaskGroup(of: Int.self) { group -> Int in
            var next = 0
            var failed = 0
            func add() {
                let body = bodies[next]
                next += 1
                group.addTask {
                    let r = try? await transport.send(
                        BridgeCore.HTTPRequest(
                            url: "http://127.0.0.1:\(port)/alerts/alertmanager",
                            headers: [("Content-Type", "application/json")],
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
    let real = try await storm(botPort)
    let (incidents, notes) = try await parts.environment.store.read { r -> (Int, Int) in
        let incs = try r.incidents(declaredSince: .distantPast)
        return (incs.count, try incs.reduce(0) { $0 + (try r.timeline($1.id).filter { $0.kind == .alert }.count) })
    }
    print("alerts: \(posts) webhook posts over \(groups) groups, \(concurrency) concurrent libcurl clients")
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
    try? FileManager.default.removeItem(atPath: dir)
}

let which = CommandLine.arguments.dropFirst().first ?? "timers"
switch which {
case "timers": try await timersBenchmark()
case "slack": try await slackBenchmark()
case "alerts": try await alertsBenchmark()
default:
    FileHandle.standardError.write(
        Data("usage: incident-bridge-bench timers [--pending N] [--due N] [--window S] [--idle S]\n".utf8)
    )
    exit(2)
}
