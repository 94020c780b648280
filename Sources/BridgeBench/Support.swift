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
