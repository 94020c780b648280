import BridgeCore
import Foundation

/// One result row, read by column name: GRDB's `Row` and postgres-nio's rows conform, so each mapper is written
/// once. A column that is missing reads as `.null`.
public protocol SQLRow {
    /// The value of `column` (`.null` when NULL or missing).
    func value(_ column: String) -> SQLValue
}

extension SQLRow {
    /// A nullable text column.
    public func string(_ c: String) -> String? {
        switch value(c) {
        case .text(let s): s
        case .int(let i): String(i)
        case .double(let d): String(d)
        case .null: nil
        }
    }
    /// A nullable number column.
    public func double(_ c: String) -> Double? {
        switch value(c) {
        case .double(let d): d
        case .int(let i): Double(i)
        case .text(let s): Double(s)
        case .null: nil
        }
    }
    /// A nullable integer column (nil when it does not fit).
    public func int64(_ c: String) -> Int64? {
        switch value(c) {
        case .int(let i): i
        case .double(let d): Int64(exactly: d)
        case .text(let s): Int64(s)
        case .null: nil
        }
    }
    /// A nullable integer column as `Int`.
    public func int(_ c: String) -> Int? { int64(c).flatMap { Int(exactly: $0) } }
    /// A nullable time column (seconds since 1970).
    public func date(_ c: String) -> Date? { double(c).map(Date.init(timeIntervalSince1970:)) }

    // The NULL policy: a column the schema promises (NOT NULL) read as NULL is `StoreError.corrupt`, on both
    // stores; never a trap, never a stand-in value.
    /// A NOT NULL text column; `StoreError.corrupt` when NULL.
    public func requiredString(_ c: String) throws -> String {
        guard let v = string(c) else { throw StoreError.corrupt(c) }
        return v
    }
    /// A NOT NULL integer column; `StoreError.corrupt` when NULL.
    public func requiredInt(_ c: String) throws -> Int {
        guard let v = int(c) else { throw StoreError.corrupt(c) }
        return v
    }
    /// A NOT NULL 64-bit integer column; `StoreError.corrupt` when NULL.
    public func requiredInt64(_ c: String) throws -> Int64 {
        guard let v = int64(c) else { throw StoreError.corrupt(c) }
        return v
    }
    /// A NOT NULL time column; `StoreError.corrupt` when NULL.
    public func requiredDate(_ c: String) throws -> Date {
        guard let v = date(c) else { throw StoreError.corrupt(c) }
        return v
    }
}
