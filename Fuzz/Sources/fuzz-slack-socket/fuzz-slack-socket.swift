import BridgeChat
import BridgeCore
import Foundation
import FuzzSupport

// Slack Socket Mode: a socket message (`SlackSocketMode.parse`), the work of its envelope, the ack we send back,
// and `apps.connections.open` answers (status and `Retry-After` from the first bytes).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSlackSocket(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = Fuzz.text(bytes, size)
    if case .envelope(let envelope)? = try? SlackSocketMode.parse(text) {
        Fuzz.check(!envelope.id.isEmpty, "an envelope without id")
        if case .command(let inbound)? = try? SlackSocketMode.work(envelope, config: Fuzz.config(.en)) {
            _ = CommandParser.parse(inbound.command.text)
            let ack = SlackSocketMode.ack(envelope.id, text: inbound.command.text)
            let object = (try? JSONSerialization.jsonObject(with: Data(ack.utf8))) as? [String: Any]
            Fuzz.check(object?["envelope_id"] as? String == envelope.id, "the ack does not carry the envelope id")
        }
        _ = try? SlackSocketMode.work(envelope, config: Fuzz.config(.ja))
    }
    // connections.open: "<status>\n<Retry-After>\n<body>".
    let parts = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
    if parts.count == 3, let status = Int(parts[0]) {
        let opened = SlackSocketMode.opened(
            status: status,
            headers: [("Retry-After", parts[1])],
            body: Data(parts[2].utf8)
        )
        if case .retry(let after?, _) = opened {
            Fuzz.check(after.isFinite && after >= 0 && after <= 3600, "Retry-After \(after) not clamped to 0 s-1 h")
        }
    }
    return 0
}
