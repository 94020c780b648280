import Foundation

/// Formats instants in the config's time zone (posts, exports, incident ids).
public struct LocalTime: Sendable {
    public var timeZone: TimeZone
    public init(_ timeZone: TimeZone) { self.timeZone = timeZone }

    var calendar: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = timeZone
        return c
    }

    /// The local date and time of `date`, by arithmetic on the zone's offset (a Gregorian day has 86,400 s):
    /// a `Calendar` per call was most of the cost of formatting a 100k-entry export.
    func parts(_ date: Date) -> DateComponents {
        let local = Bounds.epochSeconds(date) + timeZone.secondsFromGMT(for: date)
        let days = Int((Double(local) / 86_400).rounded(.down))
        let second = local - days * 86_400
        let day = CalendarDay(ordinal: days)
        return DateComponents(
            year: day.year,
            month: day.month,
            day: day.day,
            hour: second / 3600,
            minute: (second % 3600) / 60,
            second: second % 60
        )
    }

    /// `n` as decimal, left-padded with zeros to `width` digits.
    public static func pad(_ n: Int, _ width: Int = 2) -> String {
        let s = String(n)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// `20261126`, the local day used in incident ids.
    public func dayStamp(_ date: Date) -> String {
        let p = parts(date)
        return Self.pad(p.year ?? 0, 4) + Self.pad(p.month ?? 0) + Self.pad(p.day ?? 0)
    }

    /// `2026-11-26 09:05` in the local zone.
    public func display(_ date: Date) -> String {
        let p = parts(date)
        return "\(Self.pad(p.year ?? 0, 4))-\(Self.pad(p.month ?? 0))-\(Self.pad(p.day ?? 0)) \(hm(date))"
    }

    /// `09:05` in the local zone.
    public func hm(_ date: Date) -> String {
        let p = parts(date)
        return "\(Self.pad(p.hour ?? 0)):\(Self.pad(p.minute ?? 0))"
    }

    /// ISO 8601 with the zone's offset and seconds: `2026-11-26T09:05:03+09:00`.
    public func iso8601(_ date: Date) -> String {
        let p = parts(date)
        let offset = timeZone.secondsFromGMT(for: date)
        let sign = offset < 0 ? "-" : "+"
        let o = abs(offset)
        return "\(Self.pad(p.year ?? 0, 4))-\(Self.pad(p.month ?? 0))-\(Self.pad(p.day ?? 0))T"
            + "\(Self.pad(p.hour ?? 0)):\(Self.pad(p.minute ?? 0)):\(Self.pad(p.second ?? 0))"
            + "\(sign)\(Self.pad(o / 3600)):\(Self.pad((o % 3600) / 60))"
    }
}

/// Decides whether an instant falls in one of the config's maintenance windows.
public struct MaintenanceCalendar: Sendable {
    public var config: BridgeConfiguration
    public init(config: BridgeConfiguration) { self.config = config }

    /// The window that contains `date`, if any. A window that ends before it starts runs past midnight.
    public func window(containing date: Date) -> BridgeConfiguration.MaintenanceWindow? {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = config.timeZone
        for w in config.maintenanceWindows {
            // Check the window starting today and the one that started yesterday (crossing midnight).
            for dayOffset in [0, -1] {
                guard let day = cal.date(byAdding: .day, value: dayOffset, to: date) else { continue }
                let startOfDay = cal.startOfDay(for: day)
                let c = cal.dateComponents([.weekday, .day], from: startOfDay)
                guard c.weekday == w.weekday else { continue }
                if let nth = w.weekOfMonth, ((c.day ?? 1) - 1) / 7 + 1 != nth { continue }
                guard let start = cal.date(byAdding: .minute, value: w.start, to: startOfDay) else { continue }
                let length = w.end > w.start ? w.end - w.start : w.end + 24 * 60 - w.start
                let end = start.addingTimeInterval(TimeInterval(length * 60))
                if date >= start && date < end { return w }
            }
        }
        return nil
    }
}
