import BridgeTesting
import BridgeConfig
import BridgeCore
import BridgeServer
import BridgeStore
import BridgeTemplates
import Foundation
import HTTPTypes
import HummingbirdTesting
import BridgePaging
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

package enum Fixtures {
    /// The package root (tests run from it; fall back to this file's location).
    package static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    package static func path(_ rel: String) -> String { (root as NSString).appendingPathComponent(rel) }

    /// The alert route's and the read pages' tokens the example configs name (`ALERTMANAGER_TOKEN`,
    /// `INCIDENT_BRIDGE_READ_TOKEN`): tests hand them to `serve` like an operator would.
    package static let alertToken = "test-alert-token-0123456789"
    package static let readToken = "test-read-token-0123456789"

    /// `extra` over the example configs' tokens.
    package static func secrets(_ extra: [String: String] = [:]) -> [String: String] {
        var env = ["ALERTMANAGER_TOKEN": alertToken, "INCIDENT_BRIDGE_READ_TOKEN": readToken]
        for (k, v) in extra { env[k] = v }
        return env
    }

    package static func config(_ file: String = "Examples/bridge.yaml") throws -> BridgeConfiguration {
        var c = try ConfigLoader.load(path: path(file))
        c.words = try words()
        return c
    }

    /// The shipped word catalogues (`Templates/<locale>/words.yaml`), as `serve` loads them.
    package static func words() throws -> Words { try WordCatalogue.load(directory: path("Templates")) }

    package static func tempDir() -> String {
        let dir = NSTemporaryDirectory() + "ib-test-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    package static func environment(
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

    /// True when the UTF-8 bytes of `s` contain `needle`'s bytes (String.contains compares graphemes).
    package static func bytes(_ s: String, contain needle: String) -> Bool {
        Data(s.utf8).range(of: Data(needle.utf8)) != nil
    }

    /// A moment in Tokyo (`2026-12-08 10:00`).
    package static func tokyo(_ text: String) -> Date {
        IncidentService.onCallTime(text, TimeZone(identifier: "Asia/Tokyo")!, now: Date())!
    }

    /// A GET through HummingbirdTesting's client: status, headers and body text.
    package static func get(_ client: some TestClientProtocol, _ uri: String, headers: HTTPFields = [:]) async throws
        -> (HTTPTypes.HTTPResponse.Status, HTTPFields, String)
    {
        try await client.execute(uri: uri, method: .get, headers: headers) { r in
            (r.status, r.headers, String(buffer: r.body))
        }
    }
}

extension BridgeEnvironment {
    /// Runs one console command as `user`.
    @discardableResult
    package func run(_ text: String, as user: String = "suzuki", key: String? = nil) async -> CommandOutcome {
        await service.handle(
            ChatCommand(platform: "console", channel: "console", user: user, text: text),
            deliveryKey: key
        )
    }
}

/// A flag one task raises and another polls.
package final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    package init() {}
    package func raise() { lock.withLock { raised = true } }
    package var isRaised: Bool { lock.withLock { raised } }
}
