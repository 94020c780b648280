import BridgeCore
import Foundation
import FuzzService
import FuzzSupport

// Chat commands all the way through `IncidentService.handle` (authorization, lifecycle, on-call overrides with
// their dates, timeline and KPI reports, replies escaped per platform) on the example config and a fresh
// in-memory store. Each line of the input is one command; its first byte picks the sender and the platform.

let platforms = ["console", "slack", "mattermost", "matrix", "teams"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommandService(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = Fuzz.text(bytes, size)
    let lines = text.split(separator: "\n", omittingEmptySubsequences: true).prefix(8).map(String.init)
    guard !lines.isEmpty else { return 0 }
    let harness = ServiceHarness()
    ServiceHarness.block {
        for (i, line) in lines.enumerated() {
            let pick = Int(line.utf8.first ?? 0)
            let user = ServiceHarness.people[pick % ServiceHarness.people.count]
            let platform = platforms[(pick / 7) % platforms.count]
            let command = ChatCommand(platform: platform, channel: "fuzz", user: user, text: String(line.dropFirst()))
            let outcome = await harness.service.handle(command, deliveryKey: "fuzz:\(i)")
            Fuzz.check(!outcome.reply.isEmpty, "an empty reply to \(Fuzz.show(line))")
            harness.clock.advance(by: 600)
        }
    }
    return 0
}
