import BridgeCore
import Foundation

/// The shifts of on-call schedules as text, JSON or an iCalendar feed (RFC 5545: one VEVENT per shift, UIDs
/// stable across runs, CRLF lines folded at 75 octets) for `incident-bridge oncall`.
public struct OnCallCalendar: Sendable {
    public var config: BridgeConfiguration
    public var resolver: OnCallResolver

    public init(config: BridgeConfiguration, overrides: [OnCallOverride] = []) {
        self.config = config
        resolver = OnCallResolver(config: config, overrides: overrides)
    }

    /// The shifts that overlap `from ..< until`, each whole (the first begins when it really began, up to 35
    /// days back), so an event keeps its start and UID whenever the feed is fetched.
    public func shifts(_ schedules: [BridgeConfiguration.Schedule], from: Date, until: Date) -> [OnCallShift] {
        schedules.flatMap {
            resolver.shifts($0, from: from.addingTimeInterval(-35 * 86_400), until: until).filter { $0.until > from }
        }
    }

    func name(_ person: String?) -> String {
        person.map { config.people[$0]?.name ?? $0 } ?? config.word(.oncallNobody)
    }

    /// One line a shift: `ops-oncall  2026-12-01 09:00 - 2026-12-01 18:00  鈴木 美咲 (平日日中)`.
    public func text(_ shifts: [OnCallShift]) -> String {
        shifts.map { s in
            let tz = LocalTime(config.schedules[s.schedule]?.timeZone ?? config.timeZone)
            return "\(s.schedule)  \(tz.display(s.from)) - \(tz.display(s.until))  \(name(s.person))"
                + (s.source.map { " (\($0))" } ?? "")
        }.joined(separator: "\n")
    }

    public func json(_ shifts: [OnCallShift]) -> String {
        struct Row: Encodable {
            let schedule: String
            let person: String?
            let person_name: String
            let from: String
            let until: String
            let source: String?
        }
        let rows = shifts.map { s -> Row in
            let tz = LocalTime(config.schedules[s.schedule]?.timeZone ?? config.timeZone)
            return Row(
                schedule: s.schedule,
                person: s.person,
                person_name: name(s.person),
                from: tz.iso8601(s.from),
                until: tz.iso8601(s.until),
                source: s.source
            )
        }
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? enc.encode(rows)) ?? Data(), as: UTF8.self)
    }

    /// The iCalendar feed. Times are UTC (`Z`); a shift's UID is its schedule, start and person, so a feed
    /// fetched again updates the same events.
    public func ics(_ shifts: [OnCallShift], calendarName: String, generated: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        var lines = [
            "BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//IncidentBridge//On-call//EN", "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH", "X-WR-CALNAME:" + Self.text(calendarName),
        ]
        for s in shifts {
            let scheduleName = config.schedules[s.schedule]?.name ?? s.schedule
            lines += [
                "BEGIN:VEVENT",
                "UID:\(s.schedule)-\(Int(s.from.timeIntervalSince1970))-\(s.person ?? "nobody")@incident-bridge",
                "DTSTAMP:" + f.string(from: generated),
                "DTSTART:" + f.string(from: s.from),
                "DTEND:" + f.string(from: s.until),
                "SUMMARY:" + Self.text("\(scheduleName): \(name(s.person))"),
                "END:VEVENT",
            ]
        }
        lines.append("END:VCALENDAR")
        return lines.map(Self.fold).joined(separator: "\r\n") + "\r\n"
    }

    /// RFC 5545 TEXT: backslash, semicolon, comma and line breaks escaped.
    static func text(_ s: String) -> String { textEscapes(OneLine.clean(s)) }

    /// On the bytes: `replacingOccurrences` left `,` or `;` followed by a combining mark as it was.
    static let textEscapes = ByteEscaper(["\\": "\\\\", ";": "\\;", ",": "\\,"])

    /// Folds a content line at 75 octets without splitting a UTF-8 character (continuation lines start with a space).
    static func fold(_ line: String) -> String {
        var out = ""
        var count = 0
        for ch in line {
            let n = String(ch).utf8.count
            if count + n > 75 {
                out += "\r\n "
                count = 1
            }
            out.append(ch)
            count += n
        }
        return out
    }
}
