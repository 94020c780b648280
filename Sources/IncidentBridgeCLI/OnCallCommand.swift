import ArgumentParser
import BridgeChat
import BridgeConfig
import BridgeCore
import BridgeOperatingModel
import BridgeServer
import BridgeStore
import Foundation

/// `incident-bridge oncall`: who is on call at a moment, or the shifts of the next days (text, json, ics).
struct OnCall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oncall",
        abstract: "Who is on call (now or --at), or the shifts of the next --days, as text, json or ics.",
        discussion: """
            Overrides made with `/oncall override` are read from the database when it exists. --at takes
            2026-12-24T03:00 (or a space instead of T) in the schedule's time zone. Without --days it prints who is
            on call at that moment; with --days, every shift from then on (ics defaults to 28 days).
            """
    )

    @OptionGroup var common: CommonOptions

    @Argument(help: "A schedule id (default: every schedule).")
    var schedule: String?

    @Option(name: .long, help: "The moment, e.g. 2026-12-24T03:00 (default: now).")
    var at: String?

    @Option(name: .long, help: "List the shifts of this many days (1-3660).")
    var days: Int?

    @Option(name: .long, help: "text, json or ics.")
    var format: String = "text"

    func run() async throws {
        let config = try common.loadConfig()
        let fmt = try ModelCommands.format(format, allowed: ["text", "json", "ics"], command: "oncall")
        if let days, !(1...3660).contains(days) {
            ConsoleOutput.error("incident-bridge oncall: --days \(days): expected 1 to 3660 (10 years)")
            throw ExitCode(2)
        }
        var schedules = config.schedules.values.sorted { $0.id < $1.id }
        if let s = schedule {
            guard let one = config.schedules[s] else {
                ConsoleOutput.error(
                    "incident-bridge oncall: unknown schedule '\(s)' (schedules: \(config.schedules.keys.sorted().joined(separator: ", ")))"
                )
                throw ExitCode(2)
            }
            schedules = [one]
        }
        guard !schedules.isEmpty else {
            ConsoleOutput.error("incident-bridge oncall: the config has no schedules")
            throw ExitCode(2)
        }
        var moment = Date()
        if let at {
            let tz = schedules.count == 1 ? schedules[0].timeZone : config.timeZone
            guard let d = IncidentService.onCallTime(at.replacingOccurrences(of: "T", with: " "), tz, now: moment) else {
                ConsoleOutput.error("incident-bridge oncall: --at '\(at)': expected 2026-12-24T03:00")
                throw ExitCode(2)
            }
            moment = d
        }
        let overrides = try await Self.overrides(db: common.db, now: moment)
        let calendar = OnCallCalendar(config: config, overrides: overrides)
        let span = Double(days ?? (fmt == "ics" ? 28 : 0)) * 86_400
        // Without --days: the shift each schedule is in at that moment, until its hand-off.
        let shifts =
            span > 0
            ? calendar.shifts(schedules, from: moment, until: moment.addingTimeInterval(span))
            : schedules.compactMap { calendar.shifts([$0], from: moment, until: moment.addingTimeInterval(35 * 86_400)).first }
        switch fmt {
        case "json": ConsoleOutput.write(calendar.json(shifts))
        case "ics":
            let name = schedules.count == 1 ? schedules[0].name : "IncidentBridge on-call"
            FileHandle.standardOutput.write(Data(calendar.ics(shifts, calendarName: name).utf8))
        default: ConsoleOutput.write(calendar.text(shifts))
        }
    }

    /// Overrides from the database, when there is one (a missing file means none).
    static func overrides(db: String, now: Date) async throws -> [OnCallOverride] {
        guard let store = try ModelCommands.openStore(db) else { return [] }
        return try await store.read { try $0.onCallOverrides(endingAfter: now.addingTimeInterval(-366 * 86_400)) }
    }
}
