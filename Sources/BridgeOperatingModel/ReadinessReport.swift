import BridgeCore
import Foundation

/// The operational readiness review [運用準備レビュー] (a)-(h) of the domain brief: each item pass, fail or
/// unknown with its evidence, from the config (through `OperatingModelCheck`) and from recorded drills.
public struct ReadinessReport: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable, Comparable {
        case pass, unknown, fail
        static let rank: [Status: Int] = [.pass: 0, .unknown: 1, .fail: 2]
        public static func < (l: Status, r: Status) -> Bool { rank[l]! < rank[r]! }
    }

    /// One checklist item.
    public struct Item: Sendable, Codable, Equatable {
        /// `a` ... `h`.
        public var letter: String
        public var title: String
        public var status: Status
        /// What the verdict rests on (config keys and numbers, drills with date and actor).
        public var evidence: [String]
        /// What to do to make it pass (empty when it passes).
        public var todo: [String]
    }

    public var configPath: String?
    public var generatedAt: String
    public var items: [Item]
    public var schedule: ReadinessSchedule?
    /// Where drills came from, or why there are none.
    public var drillSource: String

    public var overall: Status { items.map(\.status).max() ?? .unknown }

    /// Builds the review.
    /// - Parameters:
    ///   - check: the operating-model check of the same config.
    ///   - drills: recorded drills, or nil when no database was available (drill items are then unknown).
    ///   - templatesDirectory: the `Templates` folder the bot posts from (for the communication template).
    public static func build(
        config: BridgeConfiguration,
        check: OperatingModelReport,
        drills: [DrillRecord]?,
        drillSource: String,
        templatesDirectory: String?,
        schedule: ReadinessSchedule?,
        now: Date,
        files: any FileProbe = LocalFiles()
    ) -> ReadinessReport {
        let b = Builder(
            config: config,
            check: check,
            drills: drills,
            templatesDirectory: templatesDirectory,
            files: files
        )
        let items = [
            b.monitoring(), b.recoveryDryRun(), b.backupRestore(), b.access(), b.communication(), b.kpi(),
            b.vendorSLA(), b.contactTree(),
        ]
        return ReadinessReport(
            configPath: config.sourcePath,
            generatedAt: LocalTime(config.timeZone).display(now)
                + " (\(config.timeZone.identifier))",
            items: items,
            schedule: schedule,
            drillSource: drillSource
        )
    }

    /// Reads the result text of a drill as pass, fail or unknown (`ok`, `成功`, `failed`, `NG`, ...).
    public static func classify(drillResult text: String) -> Status {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        let pass: Set<String> = [
            "ok", "pass", "passed", "success", "succeeded", "successful", "done", "good", "green",
            "成功", "合格", "完了", "良好", "問題なし", "○", "◯", "済",
        ]
        let fail: Set<String> = [
            "ng", "fail", "failed", "failure", "bad", "red", "error", "失敗", "不合格", "未完了",
            "問題あり", "×", "未達",
        ]
        if pass.contains(t) { return .pass }
        if fail.contains(t) { return .fail }
        return .unknown
    }

    /// The review as Markdown: summary table, schedule, one section per item with its evidence.
    public func markdown() -> String {
        func mark(_ s: Status) -> String {
            switch s {
            case .pass: "PASS"
            case .fail: "**FAIL**"
            case .unknown: "UNKNOWN"
            }
        }
        var out = [
            "# Operational readiness review", "",
            "Config: `\(configPath ?? "config")` · drills: \(drillSource) · generated \(generatedAt)", "",
            "Overall: \(mark(overall)) (\(items.filter { $0.status == .pass }.count) pass, "
                + "\(items.filter { $0.status == .fail }.count) fail, "
                + "\(items.filter { $0.status == .unknown }.count) unknown)", "",
            "| | item | status |", "|---|---|---|",
        ]
        out += items.map { "| (\($0.letter)) | \($0.title) | \(mark($0.status)) |" }
        if let schedule {
            out += ["", "## Schedule", ""] + schedule.markdownLines()
        }
        for item in items {
            out += ["", "## (\(item.letter)) \(item.title): \(mark(item.status))", ""]
            out += item.evidence.map { "- \($0)" }
            if !item.todo.isEmpty {
                out += ["", "To do:"] + item.todo.map { "- [ ] \($0)" }
            }
        }
        return out.joined(separator: "\n") + "\n"
    }
}

/// Review dates around a release: T-60, T-30 and T-7 reviews, the release (hypercare start) and the BAU
/// decision at the end of hypercare (T+30 unless `hypercare.days` says otherwise).
public struct ReadinessSchedule: Sendable, Codable, Equatable {
    public struct Milestone: Sendable, Codable, Equatable {
        public var label: String
        public var date: String
        public var weekday: String
        public var what: String
        /// Days from today (negative: past).
        public var daysFromToday: Int
    }

    public var release: String
    public var milestones: [Milestone]
    public var notes: [String]

    /// Local midnight of a `YYYY-MM-DD` day in `timeZone`; nil when the text is not a valid date.
    public static func day(_ text: String, timeZone: TimeZone) -> Date? {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        let parts = text.split(separator: "-").map { Int($0) }
        guard parts.count == 3, text.count == 10, let y = parts[0], let m = parts[1], let d = parts[2],
            let date = cal.date(from: DateComponents(year: y, month: m, day: d)),
            cal.component(.month, from: date) == m, cal.component(.day, from: date) == d
        else { return nil }
        return date
    }

    /// Nil when `releaseDate` is not a valid `YYYY-MM-DD`.
    public init?(releaseDate: String, config: BridgeConfiguration, now: Date) {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = config.timeZone
        guard let release = Self.day(releaseDate, timeZone: config.timeZone) else { return nil }
        let today = cal.startOfDay(for: now)
        let bauDays = config.hypercare?.days ?? 30
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        func stone(_ label: String, _ offset: Int, _ what: String) -> Milestone {
            let date = cal.date(byAdding: .day, value: offset, to: release)!
            let c = cal.dateComponents([.year, .month, .day, .weekday], from: date)
            return Milestone(
                label: label,
                date: "\(LocalTime.pad(c.year!, 4))-\(LocalTime.pad(c.month!))-\(LocalTime.pad(c.day!))",
                weekday: weekdays[(c.weekday ?? 1) - 1],
                what: what,
                daysFromToday: cal.dateComponents([.day], from: today, to: date).day ?? 0
            )
        }
        self.release = releaseDate
        milestones = [
            stone("T-60", -60, "readiness review 1: coverage matrix decided, RACI one A per row, UCs signed"),
            stone("T-30", -30, "readiness review 2: runbooks written, monitoring and paging live, drills scheduled"),
            stone("T-7", -7, "readiness review 3 (go/no-go input): drills recorded, contact tree tested"),
            stone("T+0", 0, "release; hypercare starts (dev team on call, weekly KPI review)"),
            stone(
                "T+\(bauDays)",
                bauDays,
                "BAU decision: `incident-bridge kpi --since \(releaseDate)` against hypercare.bau_criteria"
            ),
        ]
        notes = []
        if let h = config.hypercare, h.start != releaseDate {
            notes.append(
                "hypercare.start is \(h.start), not the release date \(releaseDate): update it so the BAU window matches"
            )
        }
    }

    func markdownLines() -> [String] {
        func when(_ n: Int) -> String {
            n == 0 ? "today" : n > 0 ? "in \(n) day\(n == 1 ? "" : "s")" : "\(-n) day\(n == -1 ? "" : "s") ago"
        }
        return ["Release date: \(release)", "", "| when | date | | what |", "|---|---|---|---|"]
            + milestones.map { "| \($0.label) | \($0.date) (\($0.weekday)) | \(when($0.daysFromToday)) | \($0.what) |" }
            + (notes.isEmpty ? [] : [""] + notes.map { "Note: \($0)" })
    }
}
