import BridgeTesting
import BridgeConfig
import BridgeCore
import BridgeServer
import BridgeStore
import BridgeTemplates
import Foundation
import BridgePaging
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

enum Fixtures {
    /// The package root (tests run from it; fall back to this file's location).
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func path(_ rel: String) -> String { (root as NSString).appendingPathComponent(rel) }

    /// The alert route's and the read pages' tokens the example configs name (`ALERTMANAGER_TOKEN`,
    /// `INCIDENT_BRIDGE_READ_TOKEN`): tests hand them to `serve` like an operator would.
    static let alertToken = "test-alert-token-0123456789"
    static let readToken = "test-read-token-0123456789"

    /// `extra` over the example configs' tokens.
    static func secrets(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ["ALERTMANAGER_TOKEN": alertToken, "INCIDENT_BRIDGE_READ_TOKEN": readToken]
        for (k, v) in extra { env[k] = v }
        return env
    }

    static func config(_ file: String = "Examples/bridge.yaml") throws -> BridgeConfiguration {
        var c = try ConfigLoader.load(path: path(file))
        c.words = try words()
        return c
    }

    /// The shipped word catalogues (`Templates/<locale>/words.yaml`), as `serve` loads them.
    static func words() throws -> Words { try WordCatalogue.load(directory: path("Templates")) }

    static func tempDir() -> String {
        let dir = NSTemporaryDirectory() + "ib-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    static func environment(
        _ file: String = "Examples/bridge.yaml",
        clock: ManualClock = ManualClock(),
        mutate: (inout BridgeConfiguration) -> Void = { _ in }
    ) throws -> BridgeEnvironment {
        var c = try config(file)
        mutate(&c)
        return try BridgeEnvironment(
            config: c,
            dbPath: tempDir() + "/bridge.sqlite",
            clock: clock,
            templates: path("Templates")
        )
    }
}

extension BridgeEnvironment {
    /// Runs one console command as `user`.
    @discardableResult
    func run(_ text: String, as user: String = "suzuki", key: String? = nil) async -> CommandOutcome {
        await service.handle(
            ChatCommand(platform: "console", channel: "console", user: user, text: text),
            deliveryKey: key
        )
    }
}

/// A flag one task raises and another polls.
final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    func raise() { lock.withLock { raised = true } }
    var isRaised: Bool { lock.withLock { raised } }
}
