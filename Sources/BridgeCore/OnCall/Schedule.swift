import Foundation

extension BridgeConfiguration {
    /// `holidays`: the national calendar and the company's extra days off.
    public struct Holidays: Sendable, Equatable {
        public enum Calendar: String, Sendable { case jp, none }
        public var calendar: Calendar
        public var extra: Set<CalendarDay>
        public init(calendar: Calendar = .jp, extra: Set<CalendarDay> = []) {
            self.calendar = calendar
            self.extra = extra
        }

        /// The holiday's name, when `day` is one (national or extra).
        public func name(_ day: CalendarDay) -> String? {
            if extra.contains(day) { return "休業日" }
            return calendar == .jp ? JapaneseHolidays.holidays(day.year)[day] : nil
        }
        public func isHoliday(_ day: CalendarDay) -> Bool { name(day) != nil }
    }

    /// `schedules.<id>`: who is on call, as rotations in layers; a later layer wins wherever it applies.
    public struct Schedule: Sendable, Equatable {
        public var id: String
        public var name: String
        public var timeZone: TimeZone
        public var announce: Bool
        public var layers: [Layer]
        public init(id: String, name: String, timeZone: TimeZone, announce: Bool = false, layers: [Layer]) {
            self.id = id
            self.name = name
            self.timeZone = timeZone
            self.announce = announce
            self.layers = layers
        }
    }

    /// One rotation: members take turns of `every`, from `start`; `when` restricts it to days and hours.
    public struct Layer: Sendable, Equatable {
        public var name: String
        public var members: [String]
        public var every: BridgeDuration
        /// The first member's first turn starts here.
        public var start: Date
        public var when: When?
        /// Days (in the schedule's zone) the layer exists: `from` inclusive, `until` inclusive.
        public var activeFrom: CalendarDay?
        public var activeUntil: CalendarDay?
        public init(
            name: String,
            members: [String],
            every: BridgeDuration,
            start: Date,
            when: When? = nil,
            activeFrom: CalendarDay? = nil,
            activeUntil: CalendarDay? = nil
        ) {
            self.name = name
            self.members = members
            self.every = every
            self.start = start
            self.when = when
            self.activeFrom = activeFrom
            self.activeUntil = activeUntil
        }
    }

    /// Days of the week and a daily window (which may cross midnight); holidays excluded, only, or ignored.
    public struct When: Sendable, Equatable {
        public enum HolidayRule: String, Sendable { case include, exclude, only }
        /// 0 = Sunday ... 6 = Saturday; the day the window starts on.
        public var days: Set<Int>
        /// Minutes after midnight; `from == to` is the whole day.
        public var from: Int
        public var to: Int
        public var holidays: HolidayRule
        public init(days: Set<Int> = Set(0...6), from: Int = 0, to: Int = 0, holidays: HolidayRule = .include) {
            self.days = days
            self.from = from
            self.to = to
            self.holidays = holidays
        }
    }
}
