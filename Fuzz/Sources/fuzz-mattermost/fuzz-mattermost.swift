import BridgeChat
import BridgeCore
import Foundation
import FuzzSupport

// Mattermost: WebSocket events (`MattermostSocket.parse`, the post inside `posted`, the command a post carries),
// `GET /channels/{id}/posts` answers, and button clicks (`MattermostInbound.action`), once as sent and once
// re-signed with the key so the fuzzer reaches what comes after the signature check.

let key = "fuzz-signing-key"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMattermost(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = Fuzz.data(bytes, size)
    let text = String(decoding: body, as: UTF8.self)
    if case .posted(let post, _)? = try? MattermostSocket.parse(text) {
        if let inbound = MattermostSocket.command(post, botUserID: "bot") {
            Fuzz.check(CommandParser.isAddressed(inbound.command.text), "a command from a post not addressed to us")
            _ = CommandParser.parse(inbound.command.text)
        }
    }
    if let posts = try? MattermostSocket.posts(body) {
        for post in posts { _ = MattermostSocket.command(post, botUserID: "bot") }
    }
    _ = try? MattermostInbound.action(body, key: key, config: Fuzz.config(.en), now: Date(timeIntervalSince1970: 1_780_272_000))
    // Re-signed: the context's signature made valid and "now" just before it expires.
    guard var json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
        var context = json["context"] as? [String: Any]
    else { return 0 }
    let expires = (context["expires"] as? NSNumber)?.intValue ?? 0
    context["sig"] = MattermostPoster.contextSignature(
        key: key,
        action: context["action"] as? String ?? "",
        incident: context["incident_id"] as? String ?? "",
        channel: context["channel_id"] as? String ?? "",
        expires: expires
    )
    json["context"] = context
    guard let signed = try? JSONSerialization.data(withJSONObject: json) else { return 0 }
    let now = Date(timeIntervalSince1970: Double(expires) - 1)
    for locale in [BridgeConfiguration.Locale.en, .ja] {
        if case .command(let inbound)? = try? MattermostInbound.action(signed, key: key, config: Fuzz.config(locale), now: now) {
            _ = CommandParser.parse(inbound.command.text)
        }
    }
    return 0
}
