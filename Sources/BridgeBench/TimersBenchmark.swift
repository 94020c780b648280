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
    // BENCH_DB=postgres://... measures the PostgreSQL store (set up through the store's own calls).
    let db = ProcessInfo.processInfo.environment["BENCH_DB"]
    let parts = try BridgeServer.parts(
        config: config,
        dbPath: db ?? dir + "/bench.sqlite",
        clock: clock,
        templates: "Templates",
        logger: logger
    )
    let setup = Date()
    var dueTimes: [Date] = []
    if db != nil {
        let store = parts.environment.store
        try await store.write { tx in
            for i in 0..<1000 {
                var inc = Incident(
                    id: IncidentID.make(day: "20261126", sequence: i + 1),
                    eventType: "db-outage",
                    severity: "sev1",
                    title: "bench \(i)",
                    declaredAt: setup,
                    declaredBy: "bench"
                )
                inc.state = .acknowledged
                try tx.insert(inc)
            }
        }
        let far = setup.addingTimeInterval(86_400)
        var i = 0
        while i < pending - dueCount {
            let from = i
            let n = min(5_000, pending - dueCount - i)
            try await store.write { tx in
                for k in from..<(from + n) {
                    try tx.schedule(
                        IncidentTimer(
                            incidentID: IncidentID.make(day: "20261126", sequence: k % 1000 + 1),
                            kind: .slaBreach,
                            clock: .restore,
                            fraction: 1,
                            dueAt: far.addingTimeInterval(Double(k))
                        ),
                        at: setup
                    )
                }
            }
            i += n
        }
    } else {
    try await parts.environment.sqliteStore.writer.write { db in
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
    if db != nil {
        try await parts.environment.store.write { tx in
            for (i, due) in dueList.enumerated() {
                try tx.schedule(
                    IncidentTimer(incidentID: IncidentID.make(day: "20261126", sequence: i % 1000 + 1), kind: .updateReminder, dueAt: due),
                    at: Date()
                )
            }
        }
    } else {
    try await parts.environment.sqliteStore.writer.write { db in
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
    print("timers: pending=\(pending) due=\(dueCount) over \(window)s; fired=\(fired.count); \(db == nil ? "SQLite" : "PostgreSQL")")
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
