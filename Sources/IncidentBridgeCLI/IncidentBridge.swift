import ArgumentParser
import BridgeConfig
import BridgeCore
import BridgeOperatingModel
import BridgeChat
import BridgePostgres
import BridgeServer
import BridgeStore
import BridgeTransport
import Foundation
import Logging

/// `incident-bridge`: the chatops incident bridge.
@main
struct IncidentBridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incident-bridge",
        abstract: "Self-hosted incident-bridge chatops bot: RACI, SLA/OLA clocks, escalation, timeline export.",
        subcommands: [Serve.self, Chat.self, Export.self, Check.self, Readiness.self, KPI.self, Backup.self, Outbox.self, OnCall.self, Migrate.self]
    )
}

/// Options every subcommand shares.
struct CommonOptions: ParsableArguments {
    @Option(name: .long, help: "Config file (default: bridge.yaml, then Examples/bridge.yaml).")
    var config: String?

    @Option(
        name: .long,
        help: "Database: a SQLite file, or postgres://user@host:5432/database (password from PGPASSWORD, TLS by ?sslmode=). Default: $INCIDENT_BRIDGE_DB, else var/bridge.sqlite."
    )
    var db: String = ProcessInfo.processInfo.environment["INCIDENT_BRIDGE_DB"].flatMap { $0.isEmpty ? nil : $0 }
        ?? "var/bridge.sqlite"

    /// `--db` for messages and reports: a PostgreSQL URL without its password.
    var dbShown: String { StorageOpener.isPostgres(db) ? PostgresStore.redacted(db) : db }

    /// Loads the config; prints every problem on its own line and exits 2 when it is invalid.
    func loadConfig() throws -> BridgeConfiguration {
        let path = ConfigLoader.resolvePath(config)
        var loaded: BridgeConfiguration
        do {
            loaded = try ConfigLoader.load(path: path)
        } catch let e as ConfigError {
            ConsoleOutput.error(e.description)
            throw ExitCode(2)
        }
        loaded.words = try ModelCommands.words(configPath: path)
        return loaded
    }

    /// Opens config, store and renderer; exits 2 on a bad config, 1 on an unusable database or templates.
    func environment() throws -> BridgeEnvironment {
        let config = try loadConfig()
        do {
            return try BridgeEnvironment(config: config, dbPath: db)
        } catch {
            ConsoleOutput.error("incident-bridge: \(error)")
            throw ExitCode(1)
        }
    }
}

struct Chat: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Console chat: one command a line on stdin, bot posts on stdout; state kept in the database."
    )

    @OptionGroup var common: CommonOptions

    @Option(name: .customLong("as"), help: "The person you act as (person id from the config).")
    var user: String?

    func run() async throws {
        let env = try common.environment()
        let me = user ?? "console"  // without --as: nobody in the config, read-only
        if user != nil, env.config.people[me] == nil {
            ConsoleOutput.error("incident-bridge: --as \(me): no such person under people in the config")
            throw ExitCode(2)
        }
        if env.config.people[me] == nil { ConsoleOutput.error(Self.strangerHint(me)) }
        await ConsoleChat(environment: env, user: me).run()
    }

    /// Said once on stderr when the console user is nobody in the config: they may only read.
    static func strangerHint(_ me: String) -> String {
        "incident-bridge: you are '\(me)', not a person under people in the config: read-only commands only "
            + "(use --as PERSON to act as someone)"
    }
}

struct Export: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Export an incident's timeline for the post-incident review."
    )

    @OptionGroup var common: CommonOptions

    @Argument(help: "Incident id, e.g. INC-20261126-001.")
    var incident: String

    @Option(name: .long, help: "md, json or csv.")
    var format: String = "md"

    func run() async throws {
        guard let fmt = ExportFormat(rawValue: format.lowercased()) else {
            ConsoleOutput.error("incident-bridge export: unknown format '\(format)' (use md, json or csv)")
            throw ExitCode(2)
        }
        let env = try common.environment()
        let id = IncidentID(incident.uppercased())
        guard let inc = try await env.store.read({ try $0.incident(id) }) else {
            ConsoleOutput.error("incident-bridge export: no incident \(id) in \(common.dbShown)")
            throw ExitCode(1)
        }
        // Streamed: 2,000 entries read and written at a time, so a 100k-entry timeline does not sit in memory.
        let store = env.store
        let out = FileHandle.standardOutput
        try await TimelineExporter(config: env.config).stream(
            inc,
            format: fmt,
            now: env.clock.now(),
            chunk: { after in try await store.read { try $0.timeline(id, after: after, limit: 2000) } },
            write: { out.write(Data($0.utf8)) }
        )
        out.write(Data("\n".utf8))
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Run the bot: HTTP routes, scheduler, outbox dispatcher and (when chat.console is on) the console chat."
    )

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on.")
    var port: Int = 8080

    @Option(name: .customLong("as"), help: "The person the console chat acts as.")
    var user: String?

    @Option(name: .long, help: "Log lines on stderr: text, or json (one object a line, for log shippers).")
    var logFormat: LogFormat = .text

    func run() async throws {
        let config = try common.loadConfig()
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        let format = logFormat
        LoggingSystem.bootstrap { label in
            switch format {
            case .text:
                var h = StreamLogHandler.standardError(label: label)
                h.logLevel = level
                return h
            case .json:
                var h = JSONLogHandler(label: label)
                h.logLevel = level
                return h
            }
        }
        let logger = Logger(label: "incident-bridge")
        let me = user ?? "console"  // without --as: nobody in the config, read-only
        if let u = user, config.people[u] == nil {
            ConsoleOutput.error("incident-bridge: --as \(u): no such person under people in the config")
            throw ExitCode(2)
        }
        if config.chat.consoleEnabled, config.people[me] == nil {
            logger.notice("console chat is read-only: its user is nobody in the config (use --as PERSON)", metadata: ["as": "\(me)"])
        }
        if let door = Perimeter.refusal(config, host: host) {
            ConsoleOutput.error("incident-bridge: refusing to start: \(door)")
            throw ExitCode(2)
        }
        let settings: PlatformSettings
        do {
            settings = try PlatformSettings(config: config)
        } catch {
            ConsoleOutput.error("incident-bridge: \(error)")
            throw ExitCode(2)
        }
        do {
            try await BridgeServer(host: host, port: port, consoleUser: me, logger: logger)
                .run(
                    config: config,
                    dbPath: common.db,
                    console: config.chat.consoleEnabled,
                    settings: settings,
                    transport: CurlTransport()
                )
        } catch let e as StoreVersionError {
            ConsoleOutput.error("incident-bridge: \(e)")
            throw ExitCode(1)
        }
    }
}
