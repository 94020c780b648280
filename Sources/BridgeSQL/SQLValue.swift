import Foundation

/// A value bound to a statement or read from a row, the same for both stores (times are seconds since 1970 as
/// a double, booleans 0/1 integers, the incident record and mentions JSON text).
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    /// A moment as stored: seconds since 1970.
    public static func time(_ d: Date) -> SQLValue { .double(d.timeIntervalSince1970) }
    /// An `Int` as stored (64 bits).
    public static func integer(_ i: Int) -> SQLValue { .int(Int64(i)) }
    /// A text, or NULL for nil.
    public static func opt(_ s: String?) -> SQLValue { s.map { .text($0) } ?? .null }
    /// An integer, or NULL for nil.
    public static func opt(_ i: Int?) -> SQLValue { i.map { .int(Int64($0)) } ?? .null }
    /// A number, or NULL for nil.
    public static func opt(_ d: Double?) -> SQLValue { d.map { .double($0) } ?? .null }
    /// A boolean as stored (`INTEGER` 0/1 in both schemas).
    public static func flag(_ b: Bool) -> SQLValue { .int(b ? 1 : 0) }
}
