import BridgeCore
import Foundation
import FuzzSupport

// The command grammar (`CommandParser`, every verb and alias), the mention forms, durations (`kpi 30d`) and the
// `/oncall override` times (`IncidentService.onCallTime`, `CalendarDay`) on any text a chat member can send.

let tokyo = TimeZone(identifier: "Asia/Tokyo")!
/// 2026-06-01 00:00 UTC: a fixed "now" so a crash reproduces.
let now = Date(timeIntervalSince1970: 1_780_272_000)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommandParser(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = Fuzz.text(bytes, size)
    _ = CommandParser.isAddressed(text)
    let parsed = CommandParser.parse(text)
    switch parsed {
    case .failure(let e):
        Fuzz.check(e.kind == .input && e.usage?.isEmpty == false, "refusal without usage for \(Fuzz.show(text))")
    case .success(.kpi(let window?)):
        Fuzz.check(window.seconds > 0, "kpi window \(window.seconds)s from \(Fuzz.show(text))")
        _ = window.description
    case .success(.oncallOverride(_, let user, let from, let until, _)):
        _ = CommandParser.mentionHandle(user)
        _ = IncidentService.onCallTime(from, tokyo, now: now)
        _ = IncidentService.onCallTime(until, tokyo, now: now)
    case .success(.assign(_, _, let user)):
        _ = user.isEmpty
    case .success(let command):
        _ = command.incidentID
    }
    // Every token through the piece parsers a verb may hand it to, and every pair of tokens as a time.
    let tokens = text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).map(String.init)
    for (i, token) in tokens.prefix(32).enumerated() {
        if let d = BridgeDuration(parsing: token) { _ = d.description }
        _ = CommandParser.mentionHandle(token)
        if let day = CalendarDay(token) {
            _ = day.weekday
            _ = day.adding(days: 1)
            _ = JapaneseHolidays.holidays(day.year)
        }
        if i + 1 < tokens.count { _ = IncidentService.onCallTime(token + " " + tokens[i + 1], tokyo, now: now) }
    }
    return 0
}
