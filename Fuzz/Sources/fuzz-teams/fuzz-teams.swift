import BridgeChat
import BridgeCore
import Foundation
import FuzzSupport

// Teams outgoing webhooks: the HMAC check on any header, the message activity (`TeamsWebhook.command`) at a fixed
// "now" and at the activity's own timestamp (so the fuzzer gets past the replay window), and `commandText`.

let secret = Data("fuzz-teams-secret".utf8).base64EncodedString()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTeams(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = Fuzz.data(bytes, size)
    let text = String(decoding: body, as: UTF8.self)
    _ = TeamsWebhook.verify(authorization: "HMAC " + text.prefix(64), body: body, secret: secret)
    _ = TeamsWebhook.commandText(text)
    _ = try? TeamsWebhook.command(body, now: Date(timeIntervalSince1970: 1_780_272_000))
    guard let activity = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
        let sent = TeamsWebhook.timestamp(activity["timestamp"] as? String ?? activity["localTimestamp"] as? String)
    else { return 0 }
    if let inbound = try? TeamsWebhook.command(body, now: sent) {
        Fuzz.check(!inbound.command.text.isEmpty, "an empty Teams command")
        let t = inbound.command.text
        Fuzz.check(t == t.trimmingCharacters(in: .whitespacesAndNewlines), "an untrimmed command \(Fuzz.show(t))")
        _ = CommandParser.parse(inbound.command.text)
    }
    return 0
}
