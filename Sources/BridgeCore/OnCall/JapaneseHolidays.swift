import Foundation

/// A calendar day, independent of any time zone.
public struct CalendarDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int
    public init(_ year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// `YYYY-MM-DD` (ASCII digits, years 1970-9999), or nil.
    public init?(_ text: String) {
        let fields = text.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 3, fields.allSatisfy({ (1...4).contains($0.utf8.count) && $0.utf8.allSatisfy { (48...57).contains($0) } })
        else { return nil }
        let p = fields.compactMap { Int($0) }
        guard p.count == 3, Bounds.years.contains(p[0]), (1...12).contains(p[1]), (1...31).contains(p[2]) else { return nil }
        self.init(p[0], p[1], p[2])
        guard CalendarDay(ordinal: ordinal) == self else { return nil }
    }

    public static func < (a: CalendarDay, b: CalendarDay) -> Bool { a.ordinal < b.ordinal }
    public var description: String {
        "\(year)-\(month < 10 ? "0" : "")\(month)-\(day < 10 ? "0" : "")\(day)"
    }

    /// Days since 1970-01-01 (proleptic Gregorian; Howard Hinnant's days_from_civil).
    public var ordinal: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(ordinal z0: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public func adding(days: Int) -> CalendarDay { CalendarDay(ordinal: ordinal + days) }

    /// 0 = Sunday ... 6 = Saturday.
    public var weekday: Int { ((ordinal % 7) + 7 + 4) % 7 }
}

/// Japanese national holidays (国民の祝日に関する法律) from 1970 to 2099: the fixed and Happy-Monday days, the
/// equinoxes, the one-off imperial days, substitute holidays (振替休日, from 1973-04-12; from 2007 the next
/// non-holiday) and citizens' holidays (国民の休日, from 1985-12-27). Compared with the `jpholiday` package for
/// 1970-2050 by a test.
public enum JapaneseHolidays {
    /// Every holiday of `year` with its Japanese name.
    public static func holidays(_ year: Int) -> [CalendarDay: String] {
        if let cached = cache.withLock({ $0[year] }) { return cached }
        var h = named(year)
        // 国民の休日: a day between two holidays that is not one itself (and not a Sunday).
        if year >= 1986 || year == 1985 {
            for (d, _) in h {
                let next = d.adding(days: 1)
                let after = d.adding(days: 2)
                if h[after] != nil && h[next] == nil && next.weekday != 0 && next >= CalendarDay(1985, 12, 27) {
                    h[next] = "国民の休日"
                }
            }
        }
        // 振替休日: a holiday on a Sunday moves to the next day (from 2007, the next day that is not a holiday).
        for (d, _) in h.sorted(by: { $0.key < $1.key }) where d.weekday == 0 && d >= CalendarDay(1973, 4, 12) {
            var s = d.adding(days: 1)
            if year >= 2007 { while h[s] != nil { s = s.adding(days: 1) } }
            if h[s] == nil { h[s] = "振替休日" }
        }
        let result = h.filter { $0.key.year == year }
        cache.withLock { $0[year] = result }
        return result
    }

    public static func isHoliday(_ day: CalendarDay) -> Bool { holidays(day.year)[day] != nil }

    static let cache = Mutex<[Int: [CalendarDay: String]]>([:])

    /// The n-th Monday of a month.
    static func monday(_ y: Int, _ m: Int, _ n: Int) -> CalendarDay {
        let first = CalendarDay(y, m, 1)
        return first.adding(days: (8 - first.weekday) % 7 + 7 * (n - 1))
    }

    static func springEquinox(_ y: Int) -> Int {
        y <= 1979
            ? Int(20.8357 + 0.242194 * Double(y - 1980)) - (y - 1983) / 4
            : Int(20.8431 + 0.242194 * Double(y - 1980)) - (y - 1980) / 4
    }

    static func autumnEquinox(_ y: Int) -> Int {
        y <= 1979
            ? Int(23.2588 + 0.242194 * Double(y - 1980)) - (y - 1983) / 4
            : Int(23.2488 + 0.242194 * Double(y - 1980)) - (y - 1980) / 4
    }

    /// The holidays the law names, before substitute and citizens' holidays.
    static func named(_ y: Int) -> [CalendarDay: String] {
        var h: [CalendarDay: String] = [:]
        func add(_ m: Int, _ d: Int, _ name: String) { h[CalendarDay(y, m, d)] = name }
        add(1, 1, "元日")
        if y >= 2000 { h[monday(y, 1, 2)] = "成人の日" } else { add(1, 15, "成人の日") }
        add(2, 11, "建国記念の日")
        if y >= 2020 { add(2, 23, "天皇誕生日") }
        add(3, springEquinox(y), "春分の日")
        add(4, 29, y >= 2007 ? "昭和の日" : y >= 1989 ? "みどりの日" : "天皇誕生日")
        add(5, 3, "憲法記念日")
        if y >= 2007 { add(5, 4, "みどりの日") }
        add(5, 5, "こどもの日")
        switch y {
        case 2020: add(7, 23, "海の日")
        case 2021: add(7, 22, "海の日")
        case 2003...: h[monday(y, 7, 3)] = "海の日"
        case 1996...: add(7, 20, "海の日")
        default: break
        }
        switch y {
        case 2020: add(8, 10, "山の日")
        case 2021: add(8, 8, "山の日")
        case 2016...: add(8, 11, "山の日")
        default: break
        }
        if y >= 2003 { h[monday(y, 9, 3)] = "敬老の日" } else if y >= 1966 { add(9, 15, "敬老の日") }
        add(9, autumnEquinox(y), "秋分の日")
        switch y {
        case 2020: add(7, 24, "スポーツの日")
        case 2021: add(7, 23, "スポーツの日")
        case 2022...: h[monday(y, 10, 2)] = "スポーツの日"
        case 2000...: h[monday(y, 10, 2)] = "体育の日"
        default: add(10, 10, "体育の日")
        }
        add(11, 3, "文化の日")
        add(11, 23, "勤労感謝の日")
        if (1989...2018).contains(y) { add(12, 23, "天皇誕生日") }
        switch y {
        case 1989: add(2, 24, "昭和天皇の大喪の礼")
        case 1990: add(11, 12, "即位礼正殿の儀")
        case 1993: add(6, 9, "皇太子徳仁親王の結婚の儀")
        case 2019:
            add(5, 1, "天皇の即位の日")
            add(10, 22, "即位礼正殿の儀")
        default: break
        }
        return h
    }
}

/// A value behind a lock (Foundation only; `Synchronization.Mutex` needs a newer deployment target).
public final class Mutex<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    public init(_ value: Value) { self.value = value }
    public func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
