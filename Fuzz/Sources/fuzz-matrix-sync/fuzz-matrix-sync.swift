import BridgeCore
import BridgeTesting
import Foundation
import FuzzService
import FuzzSupport
import Logging

@testable import BridgeChat

// A Matrix `/sync` answer as the poller reads it (`MatrixPoller.handle`: invites, joined rooms' timelines, the
// messages addressed to the bot) with the commands run by the example config's service on a fresh store, and the
// 429 answer's wait (`MatrixAPI.retryAfter`, clamped to 0 s-1 h).

/// The rooms the poller acts in: the fixture's and a short one the fuzzer can reach by mutation.
let rooms = ["!726s6s6q:example.com", "!r:x"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMatrixSync(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = Fuzz.data(bytes, size)
    if let wait = MatrixAPI.retryAfter(HTTPResponse(status: 429, body: body)) {
        Fuzz.check(wait.isFinite && wait >= 0 && wait <= 3600, "retry_after_ms gave \(wait) s, not 0 s-1 h")
    }
    guard let sync = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else { return 0 }
    let harness = ServiceHarness()
    let poller = MatrixPoller(
        homeserver: "https://matrix.invalid",
        token: "fuzz",
        rooms: rooms,
        autoJoin: true,
        service: harness.service,
        store: harness.store,
        transport: RecordingTransport(),
        logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })
    )
    nonisolated(unsafe) let answer = sync
    ServiceHarness.block { await poller.handle(answer, me: "@bot:example.com") }
    return 0
}
