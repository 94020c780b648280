import BridgeConfig
import BridgeCore
import BridgeServer
import Foundation
import Logging

/// Issue 24, finding 4: eight concurrent `timeline` commands on an incident with 100k entries. The chat answer
/// reads the latest 100 entries; the baseline, in the same run, is the old path (every entry read and rendered
/// into one message). Peak RSS of this process is reset before each (`/proc/self/clear_refs`) and read after.
struct ChatTimelineFigures {
    var seconds: Double
    var peakGrowth: Double
    var replyBytes: Int

    static func measure(_ data: GrowthDataSet, concurrent: Int = 8, wholeTimeline: Bool) async throws -> ChatTimelineFigures {
        let config = try ConfigLoader.load(path: data.config)
        let env = try BridgeEnvironment(config: config, dbPath: data.db, clock: SystemClock(), templates: "Templates") {}
        let service = env.service
        let id = data.bigIncident
        // Warm the page cache and the service once, then measure.
        _ = await service.handle(ChatCommand(platform: "console", channel: "console", user: "suzuki", text: "/incident show \(id.rawValue)"))
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        let before = procStatus(getpid())["VmRSS"] ?? .nan
        let started = Date()
        let sizes = await withTaskGroup(of: Int.self) { group in
            for i in 0..<concurrent {
                group.addTask {
                    if wholeTimeline {
                        // What `timeline` did before: the whole timeline read and rendered into one reply.
                        let (inc, entries) = (try? await env.store.read { r in (try r.incident(id)!, try r.timeline(id)) })!
                        return env.service.reports.timeline(inc, entries, format: .md, now: nil) { $0 }.utf8.count
                    }
                    let out = await service.handle(
                        ChatCommand(platform: "console", channel: "console", user: "bench\(i)", text: "/incident timeline \(id.rawValue)")
                    )
                    return out.reply.utf8.count
                }
            }
            var all: [Int] = []
            for await n in group { all.append(n) }
            return all
        }
        let peak = procStatus(getpid())["VmHWM"] ?? .nan
        return ChatTimelineFigures(seconds: Date().timeIntervalSince(started), peakGrowth: peak - before, replyBytes: sizes.max() ?? 0)
    }
}
