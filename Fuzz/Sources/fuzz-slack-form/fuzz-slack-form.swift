import BridgeChat
import BridgeCore
import Foundation
import FuzzSupport

// Form bodies (`FormDecoder`) as Slack and Mattermost send them: slash commands and Slack's block actions
// (`payload` JSON), through `SlackInbound` and `MattermostInbound.slashCommand`.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSlackForm(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = Fuzz.data(bytes, size)
    guard let form = FormDecoder.decode(body) else { return 0 }
    for (k, v) in form {
        // `+` and `%XX` only ever shrink a field.
        Fuzz.check(k.utf8.count + v.utf8.count < body.count + 1, "a field longer than the body: \(Fuzz.show(k))")
    }
    if let slash = try? SlackInbound.slashCommand(form) {
        Fuzz.check(!slash.command.text.isEmpty, "an empty slash command text")
        _ = CommandParser.parse(slash.command.text)
    }
    _ = try? MattermostInbound.slashCommand(form)
    for locale in [BridgeConfiguration.Locale.en, .ja] {
        if case .command(let inbound, _)? = try? SlackInbound.action(form, config: Fuzz.config(locale)) {
            _ = CommandParser.parse(inbound.command.text)
        }
    }
    // The same bytes as the `payload` field itself (a block_actions JSON object).
    _ = try? SlackInbound.action(["payload": String(decoding: body, as: UTF8.self)], config: Fuzz.config(.en))
    return 0
}
