import BridgeConfig
import BridgeCore
import BridgeStore
import BridgeTemplates
import Foundation

/// The composition root: config, store, renderer and service built from the command-line options.
public struct BridgeEnvironment: Sendable {
    public var config: BridgeConfiguration
    public var store: SQLiteStore
    public var renderer: MustacheRenderer
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
        onCommit: @escaping @Sendable () -> Void = {}
    ) throws {
        self.config = config
        self.store = try SQLiteStore(path: dbPath)
        self.renderer = try MustacheRenderer(
            config: config,
            directory: templates ?? MustacheRenderer.defaultDirectory(configPath: config.sourcePath)
        )
        self.clock = clock
        self.service = IncidentService(
            config: config,
            store: store,
            renderer: renderer,
            clock: clock,
            onCommit: onCommit
        )
    }
}
