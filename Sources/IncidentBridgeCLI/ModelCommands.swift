import ArgumentParser
import BridgeConfig
import BridgeCore
import BridgeOperatingModel
import BridgeChat
import BridgeServer
import BridgeStore
import BridgeTemplates
import Foundation

/// `check`, `readiness` and `kpi`: the operating-model commands for the business-side lead.
enum ModelCommands {
    /// Loads the config with key-path lines; prints every problem and exits 2 when it cannot be loaded.
    /// `lenient` lets RACI rows with zero or several A's through (only `check` uses it, to list them as findings).
    static func load(_ explicit: String?, lenient: Bool) throws -> LoadedConfiguration {
        let path = ConfigLoader.resolvePath(explicit)
        var loaded: LoadedConfiguration
        do {
            loaded = try ConfigLoader.load(path: path, lenient: lenient)
        } catch let e as ConfigError {
            ConsoleOutput.error(e.description)
            throw ExitCode(2)
        }
        loaded.configuration.words = try words(configPath: path)
        return loaded
    }

    /// The word catalogues of the Templates folder found for `configPath`; exits 1 when one is missing or broken.
    static func words(configPath: String) throws -> Words {
        do {
            return try WordCatalogue.load(directory: MustacheRenderer.defaultDirectory(configPath: configPath))
        } catch {
            ConsoleOutput.error("incident-bridge: \(error)")
            throw ExitCode(1)
        }
    }

    /// Opens the database when the file exists (never creates one; a PostgreSQL URL is opened as given); nil
    /// when there is no file.
    static func openStore(_ db: String) throws -> (any BridgeStorage)? {
        guard StorageOpener.isPostgres(db) || FileManager.default.fileExists(atPath: db) else { return nil }
        do {
            return try StorageOpener.open(db)
        } catch {
            ConsoleOutput.error("incident-bridge: \(error)")
            throw ExitCode(1)
        }
    }

    /// The lower-cased `--format` value; exits 2 on an unknown one.
    static func format(_ text: String, allowed: [String], command: String) throws -> String {
        let f = text.lowercased()
        guard allowed.contains(f) else {
            ConsoleOutput.error(
                "incident-bridge \(command): unknown format '\(text)' (use \(allowed.joined(separator: " or ")))"
            )
            throw ExitCode(2)
        }
        return f
    }
}

/// `incident-bridge check`: lists every hole of the operating model; exit 1 on errors.
struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lint the operating model: RACI, contacts, escalation, SLA/OLA/UC chain, coverage matrix, runbooks.",
        discussion: """
            Exit codes: 0 no errors (warnings allowed), 1 errors found, 2 the config cannot be loaded.
            Runbook files are looked up in runbooks.directory relative to the config file's folder, then its
            parent, then the current directory (an absolute directory is used as is).
            """
    )

    @Option(name: .long, help: "Config file (default: bridge.yaml, then Examples/bridge.yaml).")
    var config: String?

    @Option(name: .long, help: "text or json.")
    var format: String = "text"

    func run() async throws {
        let fmt = try ModelCommands.format(format, allowed: ["text", "json"], command: "check")
        let loaded = try ModelCommands.load(config, lenient: true)
        let report = OperatingModelCheck(config: loaded.configuration, lines: loaded.lines).run()
        ConsoleOutput.write(fmt == "json" ? report.json() : report.text())
        if !report.ok { throw ExitCode(1) }
    }
}

/// `incident-bridge readiness`: the readiness review (a)-(h) as Markdown.
struct Readiness: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Operational readiness review (a)-(h) as Markdown: pass/fail/unknown with evidence from config and drills.",
        discussion: """
            Drills come from the database (`/incident drill restore|recovery-dry-run|contact-tree <result> [minutes]`);
            without a database the drill items are unknown. --release-date adds the T-60/T-30/T-7 review dates and
            the BAU decision date. Exit 0 whatever the verdict; 2 when the config or the date is invalid.
            """
    )

    @OptionGroup var common: CommonOptions

    @Option(name: .customLong("release-date"), help: "Release date YYYY-MM-DD (config time zone).")
    var releaseDate: String?

    func run() async throws {
        let loaded = try ModelCommands.load(common.config, lenient: false)
        let config = loaded.configuration
        let now = SystemClock().now()
        var schedule: ReadinessSchedule?
        if let releaseDate {
            guard let s = ReadinessSchedule(releaseDate: releaseDate, config: config, now: now) else {
                ConsoleOutput.error("incident-bridge readiness: --release-date '\(releaseDate)': expected YYYY-MM-DD")
                throw ExitCode(2)
            }
            schedule = s
        }
        var drills: [DrillRecord]?
        var source = "no database at \(common.dbShown)"
        if let store = try ModelCommands.openStore(common.db) {
            drills = try await store.read { try $0.drills() }
            source = "\(drills?.count ?? 0) recorded in \(common.dbShown)"
        }
        let check = OperatingModelCheck(config: config, lines: loaded.lines).run()
        let report = ReadinessReport.build(
            config: config,
            check: check,
            drills: drills,
            drillSource: source,
            templatesDirectory: MustacheRenderer.defaultDirectory(configPath: config.sourcePath),
            schedule: schedule,
            now: now
        )
        ConsoleOutput.write(report.markdown())
    }
}

/// `incident-bridge kpi`: hypercare KPIs and the BAU verdict.
struct KPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kpi",
        abstract: "MTTA, MTTR, first response, sev1 count, SLA compliance, change success and the BAU verdict."
    )

    @OptionGroup var common: CommonOptions

    @Option(
        name: .long,
        help: "Period: a duration (30d, 7d, 12h), a date YYYY-MM-DD, or 'hypercare' (hypercare.start)."
    )
    var since: String = "30d"

    @Option(name: .long, help: "text or json.")
    var format: String = "text"

    func run() async throws {
        let fmt = try ModelCommands.format(format, allowed: ["text", "json"], command: "kpi")
        let config = try ModelCommands.load(common.config, lenient: false).configuration
        let now = SystemClock().now()
        guard let period = Self.period(since, config: config, now: now) else {
            ConsoleOutput.error(
                "incident-bridge kpi: --since '\(since)': expected a duration (30d), a date "
                    + "(YYYY-MM-DD) or 'hypercare'" + (config.hypercare == nil ? " (no hypercare in the config)" : "")
            )
            throw ExitCode(2)
        }
        let (start, window) = period
        let report: KPIReport
        if let store = try ModelCommands.openStore(common.db) {
            report = try await KPIReport.load(from: store, config: config, now: now, since: start, window: window)
        } else {
            ConsoleOutput.error("incident-bridge kpi: no database at \(common.dbShown): nothing recorded yet")
            report = KPIReport.compute(
                config: config,
                incidents: [IncidentTimes](),
                changes: [],
                now: now,
                since: start,
                window: window
            )
        }
        ConsoleOutput.write(
            fmt == "json" ? report.json(timeZone: config.timeZone) : report.cliText(timeZone: config.timeZone)
        )
    }

    /// The start of the period and its label.
    static func period(_ text: String, config: BridgeConfiguration, now: Date) -> (Date, String)? {
        if let d = BridgeDuration(parsing: text), d.seconds > 0 {
            return (now.addingTimeInterval(-d.timeInterval), d.description)
        }
        let date = text.lowercased() == "hypercare" ? config.hypercare?.start : text
        guard let date, let day = ReadinessSchedule.day(date, timeZone: config.timeZone) else { return nil }
        return (day, "since \(date)")
    }
}
