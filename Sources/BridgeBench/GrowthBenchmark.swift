// One long function on purpose: a benchmark is a linear measurement script (set-up, baseline, timed run,
// report) that reads best top to bottom.
import BridgeChat
import BridgeConfig
import BridgeCore
import BridgeServer
import BridgeStore
import BridgeTransport
import Foundation
import Logging

/// Years of data (issue 17): `--incidents` incidents declared, acknowledged (every other one) and resolved
/// through the real command path over the last 14 days, one alert-born incident with `--entries` timeline
/// entries (written by the store's own calls, with the texts and fingerprints the alert path writes; summaries
/// hold Japanese, `<`, `>`, `&` and quotes, as `決済API p99 > 3s` does) and one with as many plain ASCII entries. Then the release
/// `incident-bridge` binary is measured on it: exports, kpi, the incident pages and idle memory of `serve`.
/// Baseline: the same figures on a small data set (10 incidents, one with 100 entries) in the same run.
func growthBenchmark() async throws {
    let incidents = argument("--incidents", 10_000)
    let entries = argument("--entries", 100_000)
    let binary = ProcessInfo.processInfo.environment["INCIDENT_BRIDGE_BIN"] ?? ".build/release/incident-bridge"
    guard FileManager.default.isExecutableFile(atPath: binary) else {
        FileHandle.standardError.write(Data("growth: \(binary) not found (swift build -c release)\n".utf8))
        exit(2)
    }
    print("growth: \(incidents) incidents over 14 days + one incident with \(entries) timeline entries; \(binary)")
    let small = try await GrowthDataSet.build(incidents: 10, entries: 100)
    let big = try await GrowthDataSet.build(incidents: incidents, entries: entries)
    print(String(format: "  data set built in %.1f s (%@)", big.buildSeconds, big.sizeDescription))
    let smallFigures = try await GrowthFigures.measure(small, binary: binary, port: 18_194)
    let bigFigures = try await GrowthFigures.measure(big, binary: binary, port: 18_195)
    func row(_ what: String, _ s: String, _ b: String, _ before: String, _ target: String) {
        print("  " + what.padding(toLength: 34, withPad: " ", startingAt: 0) + " | "
            + s.padding(toLength: 26, withPad: " ", startingAt: 0) + " | "
            + b.padding(toLength: 27, withPad: " ", startingAt: 0) + " | "
            + before.padding(toLength: 26, withPad: " ", startingAt: 0) + " | " + target)
    }
    row("figure", "small (baseline)", "grown", "issue's measurement", "target")
    for format in ["json", "md", "csv"] {
        let s = smallFigures.exports[format]!
        let b = bigFigures.exports[format]!
        let before = ["json": "1.19 s", "md": "1.46 s", "csv": "1.54 s"][format]!
        row("export --format \(format)", s.text, b.text, before, "<= 0.5 s, flat memory")
        let a = bigFigures.asciiExports[format]!
        row("  same, plain ASCII entries", smallFigures.asciiExports[format]!.text, a.text, "-", "<= 0.5 s, flat memory")
    }
    row(
        "GET /incidents/<INC> first screen", ms(smallFigures.page.seconds) + ", " + kb(smallFigures.page.bytes),
        ms(bigFigures.page.seconds) + ", " + kb(bigFigures.page.bytes), "4.69 s, 27 MB page", "<= 100 ms"
    )
    row(
        "  serve RSS growth after 5 pages", mb(smallFigures.pageRSSGrowth), mb(bigFigures.pageRSSGrowth),
        "49 -> 162 MB (+113 MB)", "<= 10 MB"
    )
    row(
        "GET /incidents/<INC>?all=1", ms(smallFigures.all.seconds) + ", " + kb(smallFigures.all.bytes),
        ms(bigFigures.all.seconds) + ", " + kb(bigFigures.all.bytes), "(was the only page)", "(asked for)"
    )
    row(
        "  serve peak RSS after ?all=1", mb(smallFigures.allPeakRSS), mb(bigFigures.allPeakRSS), "peak 215 MB",
        "-"
    )
    row("GET /incidents", ms(smallFigures.list.seconds), ms(bigFigures.list.seconds), "0.37 s", "<= 50 ms")
    row(
        "serve idle RSS = file + anon", mb(smallFigures.idle.rss) + " = \(mb(smallFigures.idle.file)) + \(mb(smallFigures.idle.anon))",
        mb(bigFigures.idle.rss) + " = \(mb(bigFigures.idle.file)) + \(mb(bigFigures.idle.anon))", "49 MB", "<= 40 MB"
    )
    row("kpi --since 30d", smallFigures.kpi.text, bigFigures.kpi.text, "0.40 s", "<= 0.2 s")
    // The new path first: the old one leaves its peak in the allocator's free lists.
    let chatTimeline = try await ChatTimelineFigures.measure(big, wholeTimeline: false)
    let oldTimeline = try await ChatTimelineFigures.measure(big, wholeTimeline: true)
    row(
        "8 x chat timeline (grown), peak", "old path: " + mb(oldTimeline.peakGrowth) + ", " + kb(oldTimeline.replyBytes),
        mb(chatTimeline.peakGrowth) + ", " + kb(chatTimeline.replyBytes) + String(format: ", %.2f s", chatTimeline.seconds),
        "53 -> 545 MB RSS", "RSS < 150 MB"
    )
    row("incident-bridge --help (start-up)", smallFigures.startup.text, bigFigures.startup.text, "-", "-")
    print(
        String(
            format: "  ratios grown/small: export json %.2fx, md %.2fx, csv %.2fx; first screen %.2fx; list %.2fx; kpi %.2fx",
            bigFigures.exports["json"]!.seconds / smallFigures.exports["json"]!.seconds,
            bigFigures.exports["md"]!.seconds / smallFigures.exports["md"]!.seconds,
            bigFigures.exports["csv"]!.seconds / smallFigures.exports["csv"]!.seconds,
            bigFigures.page.seconds / smallFigures.page.seconds,
            bigFigures.list.seconds / smallFigures.list.seconds,
            bigFigures.kpi.seconds / smallFigures.kpi.seconds
        )
    )
    try? FileManager.default.removeItem(atPath: small.dir)
    if CommandLine.arguments.contains("--keep") {
        print("  data set kept: \(big.config) \(big.db) (incident \(big.bigIncident.rawValue))")
    } else {
        try? FileManager.default.removeItem(atPath: big.dir)
    }
}

private func kb(_ bytes: Int) -> String { bytes >= 1 << 20 ? String(format: "%.1f MB", Double(bytes) / 1e6) : "\(bytes / 1000) KB" }
private func mb(_ bytes: Double) -> String { String(format: "%.1f MB", bytes / 1e6) }

/// A clock the data set's builder sets: incidents are declared over the last 14 days.
final class SettableClock: BridgeClock, @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date
    init(_ start: Date) { current = start }
    func now() -> Date { lock.withLock { current } }
    func set(_ t: Date) { lock.withLock { current = t } }
    func sleep(until deadline: Date) async throws { try await Task.sleep(nanoseconds: 1_000_000) }
}

/// The data set: a database file, the config it was built with, and the big incident's id.
struct GrowthDataSet {
    var dir: String
    var config: String
    var db: String
    var bigIncident: IncidentID
    /// An incident with as many entries as the big one, in plain ASCII.
    var asciiIncident: IncidentID
    var buildSeconds: Double
    var sizeDescription: String

    static let secrets = ["ALERTMANAGER_TOKEN": "bench-alert-token-0123456789", "INCIDENT_BRIDGE_READ_TOKEN": "bench-read-token-0123456789"]

    static func build(incidents: Int, entries: Int) async throws -> GrowthDataSet {
        let started = Date()
        let dir = NSTemporaryDirectory() + "ib-growth-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let configPath = dir + "/bridge.yaml"
        try FileManager.default.copyItem(atPath: "Examples/bridge.en.yaml", toPath: configPath)
        var config = try ConfigLoader.load(path: configPath)
        config.chat.consoleEnabled = false
        let db = dir + "/bridge.sqlite"
        let end = Date()
        let step = 14 * 86_400.0 / Double(max(incidents, 1))
        let clock = SettableClock(end.addingTimeInterval(-14 * 86_400))
        let parts = try BridgeServer.parts(
            config: config,
            dbPath: db,
            clock: clock,
            settings: try PlatformSettings(config: config, environment: secrets),
            templates: "Templates",
            logger: Logger(label: "bench")
        )
        let service = parts.environment.service
        func run(_ text: String, at t: Date) async throws -> CommandOutcome {
            clock.set(t)
            let out = await service.handle(ChatCommand(platform: "console", channel: "console", user: "suzuki", text: text))
            guard out.ok else { throw BenchError("\(text): \(out.reply)") }
            return out
        }
        // Declared, acknowledged (every other one) and resolved through the command path, one every `step` s.
        for i in 0..<incidents {
            let t = end.addingTimeInterval(-14 * 86_400 + Double(i) * step)
            let kind = i % 10 == 0 ? "major-incident-recovery sev1" : "incident-declaration sev2"
            let id = try await run("/incident declare \(kind) Orders API errors #\(i)", at: t).incidentID!
            if i % 2 == 0 { _ = try await run("/incident ack \(id)", at: t.addingTimeInterval(step * 0.2)) }
            _ = try await run("/incident resolve \(id) fixed by restart #\(i)", at: t.addingTimeInterval(step * 0.8))
        }
        // The big one: an alert group declared through the alert path, then an alert storm of `entries`
        // entries in the words the alert path writes (each a new instance firing, with its fingerprint).
        let t0 = end.addingTimeInterval(-3_600)
        clock.set(t0)
        @Sendable func alert(_ k: Int) -> AlertSignal.Alert {
            .init(
                status: .firing,
                labels: ["alertname": "PayLatency", "service": "payments", "instance": "pay\(k)"],
                annotations: ["summary": "決済API p99 > 3s & \"5xx\" <pay\(k)>"],
                fingerprint: String(format: "%016llx", UInt64(k) &* 0x9E37_79B9_7F4A_7C15)
            )
        }
        let group = AlertSignal(
            source: "alertmanager", receiver: "incident-bridge", groupKey: "{}:{alertname=\"PayLatency\"}",
            status: .firing, commonLabels: ["alertname": "PayLatency", "service": "payments"],
            commonAnnotations: nil, alerts: [alert(0), alert(1)]
        )
        let declared = try await service.ingest(group, deliveryKey: nil)
        guard let big = declared.incidentID else { throw BenchError("alert not declared: \(declared.message)") }
        let batch = 5_000
        var written = 0
        while written < entries {
            let n = min(batch, entries - written)
            let first = written
            try await parts.environment.store.write { tx in
                for j in first..<(first + n) {
                    let g = AlertSignal(
                        source: group.source, receiver: group.receiver, groupKey: group.groupKey, status: .firing,
                        commonLabels: group.commonLabels, commonAnnotations: nil, alerts: [alert(0), alert(j + 2)]
                    )
                    let text = "1 new alert(s) firing (2 in all): \(g.describe([g.alerts[1]]))"
                    try tx.append(
                        TimelineEntry(
                            incidentID: big, at: t0.addingTimeInterval(Double(j) * 0.03), actor: "alertmanager",
                            kind: .alert, text: text
                        )
                    )
                    try tx.rememberAlerts(big, g.alerts[1].fingerprint.map { [$0] } ?? [])
                }
            }
            written += n
        }
        // The same number of entries in plain ASCII: the export's figures for any text against those for ASCII.
        let ascii = try await run("/incident declare incident-declaration sev2 Plain ASCII timeline", at: t0).incidentID!
        written = 0
        while written < entries {
            let n = min(batch, entries - written)
            let first = written
            try await parts.environment.store.write { tx in
                for j in first..<(first + n) {
                    let text = "1 new alert(s) firing (2 in all): PayLatency instance=pay\(j): payments API p99 over 3s on pay\(j)"
                    try tx.append(
                        TimelineEntry(
                            incidentID: ascii, at: t0.addingTimeInterval(Double(j) * 0.03), actor: "alertmanager",
                            kind: .alert, text: text
                        )
                    )
                }
            }
            written += n
        }
        // A bot that ran for 14 days has delivered its posts: mark them sent as the dispatcher does.
        try await parts.environment.sqliteStore.writer.write { db in
            try db.execute(sql: "UPDATE outbox SET status = 'sent', sent_at = created_at WHERE status = 'pending'")
        }
        try await parts.environment.sqliteStore.writer.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        let size = ((try? FileManager.default.attributesOfItem(atPath: db)[.size] as? Int) ?? 0) ?? 0
        return GrowthDataSet(
            dir: dir,
            config: configPath,
            db: db,
            bigIncident: big,
            asciiIncident: ascii,
            buildSeconds: Date().timeIntervalSince(started),
            sizeDescription: String(format: "%.0f MB database", Double(size) / 1e6)
        )
    }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// A child process's wall time, its peak RSS (from `wait4`) and what it printed.
struct ChildRun {
    var seconds: Double
    var maxRSS: Double
    var bytes: Int
    var text: String { String(format: "%.3f s, %.0f MB", seconds, maxRSS / 1e6) }
}

/// Runs `argv` to completion under GNU time (for its peak RSS: a child spawned straight from this process would
/// report this process's RSS as its peak), with stdout to `out` and stderr to /dev/null.
func runChild(_ command: [String], environment: [String: String], out: String) throws -> ChildRun {
    let argv = ["/usr/bin/time", "-f", "%M", "-o", out + ".rss"] + command
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    let cargs = argv.map { strdup($0) } + [nil]
    let cenv = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer { (cargs + cenv).forEach { free($0) } }
    var pid: pid_t = 0
    let start = Date()
    guard posix_spawn(&pid, argv[0], &actions, nil, cargs, cenv) == 0 else { throw BenchError("cannot start \(argv[0])") }
    var status: Int32 = 0
    _ = waitpid(pid, &status, 0)
    let seconds = Date().timeIntervalSince(start)
    guard status == 0 else { throw BenchError("\(argv.joined(separator: " ")) exited with status \(status)") }
    let bytes = ((try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0) ?? 0
    let rss = (try? String(contentsOfFile: out + ".rss", encoding: .utf8)).flatMap {
        Double($0.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    return ChildRun(seconds: seconds, maxRSS: (rss ?? .nan) * 1024, bytes: bytes)
}

/// `/proc/<pid>/status` fields in bytes.
func procStatus(_ pid: Int32) -> [String: Double] {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return [:] }
    var out: [String: Double] = [:]
    for line in text.split(separator: "\n") {
        let parts = line.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[1].hasSuffix("kB"),
            let v = Double(parts[1].dropLast(2).trimmingCharacters(in: .whitespaces))
        else { continue }
        out[String(parts[0])] = v * 1024
    }
    return out
}

/// Every figure of issue 17's table on one data set.
struct GrowthFigures {
    struct Fetch {
        var seconds: Double
        var bytes: Int
    }
    var exports: [String: ChildRun] = [:]
    var asciiExports: [String: ChildRun] = [:]
    var kpi: ChildRun
    var startup: ChildRun
    var page: Fetch
    var pageRSSGrowth: Double
    var all: Fetch
    var allPeakRSS: Double
    var list: Fetch
    var idle: (rss: Double, file: Double, anon: Double)

    static func measure(_ data: GrowthDataSet, binary: String, port: Int) async throws -> GrowthFigures {
        let common = ["--config", data.config, "--db", data.db]
        let out = data.dir + "/out"
        func best(_ argv: [String]) throws -> ChildRun {
            // Best of 3 (the first run also warms the page cache).
            try (0..<3).map { _ in try runChild([binary] + argv, environment: GrowthDataSet.secrets, out: out) }
                .min { $0.seconds < $1.seconds }!
        }
        var exports: [String: ChildRun] = [:]
        for format in ["json", "md", "csv"] {
            exports[format] = try best(["export", data.bigIncident.rawValue, "--format", format] + common)
        }
        var asciiExports: [String: ChildRun] = [:]
        for format in ["json", "md", "csv"] {
            asciiExports[format] = try best(["export", data.asciiIncident.rawValue, "--format", format] + common)
        }
        let kpi = try best(["kpi", "--since", "30d"] + common)
        let startup = try best(["--help"])
        // serve: idle memory 3 s after start, then the pages.
        let serve = Process()
        serve.executableURL = URL(fileURLWithPath: binary)
        serve.arguments = ["serve", "--port", String(port)] + common
        var env = ProcessInfo.processInfo.environment
        for (k, v) in GrowthDataSet.secrets { env[k] = v }
        serve.environment = env
        let stdin = Pipe()
        serve.standardInput = stdin
        serve.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        serve.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try serve.run()
        defer {
            serve.terminate()
            serve.waitUntilExit()
        }
        let transport = CurlTransport(connectTimeout: 2, timeout: 120, workers: 1)
        let auth = [("Authorization", "Bearer " + GrowthDataSet.secrets["INCIDENT_BRIDGE_READ_TOKEN"]!)]
        func get(_ path: String) async throws -> Fetch {
            let start = Date()
            let r = try await transport.send(
                HTTPRequest(method: "GET", url: "http://127.0.0.1:\(port)\(path)", headers: auth)
            )
            guard r.status == 200 else { throw BenchError("GET \(path): \(r.status)") }
            return Fetch(seconds: Date().timeIntervalSince(start), bytes: r.body.count)
        }
        var up = false
        for _ in 0..<100 where !up {
            try await Task.sleep(nanoseconds: 100_000_000)
            up = (try? await get("/healthz")) != nil
        }
        guard up else { throw BenchError("serve did not start on \(port)") }
        try await Task.sleep(nanoseconds: 3_000_000_000)
        let s = procStatus(serve.processIdentifier)
        let idle = (s["VmRSS"] ?? .nan, s["RssFile"] ?? .nan, s["RssAnon"] ?? .nan)
        let page = "/incidents/\(data.bigIncident.rawValue)"
        var pages: [Fetch] = []
        for _ in 0..<5 { pages.append(try await get(page)) }
        let afterPages = procStatus(serve.processIdentifier)["VmRSS"] ?? .nan
        var lists: [Fetch] = []
        for _ in 0..<5 { lists.append(try await get("/incidents")) }
        // The whole page can pass the transport's 16 MB body cap: curl writes it to a file.
        let whole = try runChild(
            ["/usr/bin/curl", "-sf", "-H", "\(auth[0].0): \(auth[0].1)", "http://127.0.0.1:\(port)\(page)?all=1"],
            environment: [:],
            out: out
        )
        let all = Fetch(seconds: whole.seconds, bytes: whole.bytes)
        let peak = procStatus(serve.processIdentifier)["VmHWM"] ?? .nan
        func median(_ xs: [Fetch]) -> Fetch { xs.sorted { $0.seconds < $1.seconds }[xs.count / 2] }
        return GrowthFigures(
            exports: exports,
            asciiExports: asciiExports,
            kpi: kpi,
            startup: startup,
            page: median(pages),
            pageRSSGrowth: afterPages - idle.0,
            all: all,
            allPeakRSS: peak,
            list: median(lists),
            idle: idle
        )
    }
}
