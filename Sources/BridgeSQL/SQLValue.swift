import BridgeCore
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
    public static func integer(_ i: Int) -> SQLValue { .int(Int64(i)) }
    public static func opt(_ s: String?) -> SQLValue { s.map { .text($0) } ?? .null }
    public static func opt(_ i: Int?) -> SQLValue { i.map { .int(Int64($0)) } ?? .null }
    public static func opt(_ d: Double?) -> SQLValue { d.map { .double($0) } ?? .null }
    /// A boolean as stored (`INTEGER` 0/1 in both schemas).
    public static func flag(_ b: Bool) -> SQLValue { .int(b ? 1 : 0) }
}

/// One result row, read by column name: GRDB's `Row` and postgres-nio's rows conform, so each mapper is written
/// once. A column that is missing reads as `.null`.
public protocol SQLRow {
    func value(_ column: String) -> SQLValue
}

extension SQLRow {
    public func string(_ c: String) -> String? {
        switch value(c) {
        case .text(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .null: nil
        }
    }
    public func double(_ c: String) -> Double? {
        switch value(c) {
        case .double(let d): d
        case .int(let i): Double(i)
        case .text(let s): Double(s)
        case .null: nil
        }
    }
    public func int64(_ c: String) -> Int64? {
        switch value(c) {
        case .int(let i): i
        case .double(let d): Int64(exactly: d)
        case .text(let s): Int64(s)
        case .null: nil
        }
    }
    public func int(_ c: String) -> Int? { int64(c).flatMap { Int(exactly: $0) } }
    public func date(_ c: String) -> Date? { double(c).map(Date.init(timeIntervalSince1970:)) }

    // The NULL policy: a column the schema promises (NOT NULL) read as NULL is `StoreError.corrupt`, on both
    // stores; never a trap, never a stand-in value.
    public func requiredString(_ c: String) throws -> String {
        guard let v = string(c) else { throw StoreError.corrupt(c) }
        return v
    }
    public func requiredInt(_ c: String) throws -> Int {
        guard let v = int(c) else { throw StoreError.corrupt(c) }
        return v
    }
    public func requiredInt64(_ c: String) throws -> Int64 {
        guard let v = int64(c) else { throw StoreError.corrupt(c) }
        return v
    }
    public func requiredDate(_ c: String) throws -> Date {
        guard let v = date(c) else { throw StoreError.corrupt(c) }
        return v
    }
}

/// Runs statements inside one transaction of a store. SQL is written with `?` placeholders; the executor renders
/// them for its dialect.
public protocol SQLExecutor {
    var dialect: SQLDialect { get }
    func rows(_ sql: String, _ binds: [SQLValue]) throws -> [any SQLRow]
    /// Runs a statement; returns the rows it changed.
    @discardableResult func execute(_ sql: String, _ binds: [SQLValue]) throws -> Int
}

extension SQLExecutor {
    public func rows(_ sql: String) throws -> [any SQLRow] { try rows(sql, []) }
    @discardableResult public func execute(_ sql: String) throws -> Int { try execute(sql, []) }
    public func first(_ sql: String, _ binds: [SQLValue] = []) throws -> (any SQLRow)? { try rows(sql, binds).first }
}
