import BridgeChat
import BridgeConfig
import BridgeCore
import BridgeOperatingModel
import BridgePaging
import BridgeStore
import BridgeTemplates
import Foundation

/// The composition root: config, store, renderer and service built from the command-line options.
public struct BridgeEnvironment: Sendable {
    public var config: BridgeConfiguration
    public var store: any BridgeStorage
    public var renderer: MustacheRenderer
    /// The renderer, channel directory and pager composer every committed step writes through.
    public var outgoing: Outgoing
    public var clock: any BridgeClock
    public var service: IncidentService

    /// Loads the config (exit code 2 on errors is the caller's job), opens and migrates the database.
    public init(
        configPath: String?,
        dbPath: String,
        clock: any BridgeClock = SystemClock(),
        onCommit: @escaping @Sendable () -> Void = {}
    ) throws {
        let path = ConfigLoader.resolvePath(configPath)
        let config = try ConfigLoader.load(path: path)
        try self.init(config: config, dbPath: dbPath, clock: clock, onCommit: onCommit)
    }

    public init(
        config: BridgeConfiguration,
        dbPath: String,
        clock: any BridgeClock = SystemClock(),
        templates: String? = nil,
        chat: [any ChatPlatform] = ChatPlatforms.all,
        onCommit: @escaping @Sendable () -> Void = {}
    ) throws {
        let directory = templates ?? MustacheRenderer.defaultDirectory(configPath: config.sourcePath)
        var config = config
        if config.words.isEmpty { config.words = try WordCatalogue.load(directory: directory) }
        self.config = config
        self.store = try StorageOpener.open(dbPath)
        self.renderer = try MustacheRenderer(config: config, directory: directory, dialects: ChatPlatforms.dialects(chat))
        self.clock = clock
        self.outgoing = Outgoing(renderer: renderer, channels: ChatChannels(config: config, registry: chat), pager: PageRouter(config: config))
        self.service = IncidentService(
            config: config,
            store: store,
            outgoing: outgoing,
            reports: OperatingModelReports(config: config),
            clock: clock,
            onCommit: onCommit
        )
    }
}

extension BridgeEnvironment {
    /// The SQLite store underneath, for tests and benchmarks that read the file with SQL (a PostgreSQL-backed
    /// environment has none: calling this there is a programming error).
    public var sqliteStore: SQLiteStore {
        guard let s = store as? SQLiteStore else { preconditionFailure("not a SQLite store: \(store.location)") }
        return s
    }
}
