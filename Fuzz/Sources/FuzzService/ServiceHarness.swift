import BridgeChat
import BridgeConfig
import BridgeCore
import BridgeOperatingModel
import BridgePaging
import BridgeStore
import BridgeTemplates
import BridgeTesting
import Foundation
import FuzzSupport

/// The example config's `IncidentService` over a fresh in-memory SQLite store and a manual clock, as
/// `BridgeEnvironment` composes it (without the server): one per input, so a crash reproduces from its input alone.
public struct ServiceHarness: Sendable {
    public let service: IncidentService
    public let store: SQLiteStore
    public let clock: ManualClock

    /// The example config and renderer, loaded once.
    public static let shared: (config: BridgeConfiguration, renderer: MustacheRenderer) = {
        do {
            let config = Fuzz.exampleConfig
            let renderer = try MustacheRenderer(
                config: config,
                directory: Fuzz.root + "/Templates",
                dialects: ChatPlatforms.dialects
            )
            return (config, renderer)
        } catch {
            fatalError(
                "the service fuzz targets need Examples/bridge.yaml and Templates/ (run from the package root): "
                    + "\(error)"
            )
        }
    }()

    public init() {
        let (config, renderer) = Self.shared
        do {
            store = try SQLiteStore(inMemory: ())
        } catch {
            fatalError("in-memory SQLite store: \(error)")
        }
        clock = ManualClock()
        service = IncidentService(
            config: config,
            store: store,
            outgoing: Outgoing(
                renderer: renderer,
                channels: ChatChannels(config: config),
                pager: PageRouter(config: config)
            ),
            reports: OperatingModelReports(config: config),
            clock: clock
        )
    }

    /// The people of the example config, sorted, and one stranger.
    public static let people: [String] = shared.config.people.keys.sorted() + ["stranger"]

    /// Runs `body` to completion on the cooperative pool and waits for it (a fuzz callback is synchronous).
    public static func block(_ body: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task {
            await body()
            done.signal()
        }
        done.wait()
    }
}
