import BridgeCore
import BridgeSQL
import Foundation
import GRDB

/// The shared statements on a GRDB connection, each from the connection's statement cache (the hot paths run
/// thousands of times a second).
struct GRDBExecutor: SQLExecutor {
    let db: Database
    var dialect: SQLDialect { .sqlite }

    static func arguments(_ binds: [SQLValue]) -> StatementArguments {
        StatementArguments(
            binds.map { v -> (any DatabaseValueConvertible)? in
                switch v {
                case .null: nil
                case .int(let i): i
                case .double(let d): d
                case .text(let s): s
                }
            }
        )
    }

    func rows(_ sql: String, _ binds: [SQLValue]) throws -> [any SQLRow] {
        try Self.mapped { try Row.fetchAll(db.cachedStatement(sql: sql), arguments: Self.arguments(binds)) }
    }

    func execute(_ sql: String, _ binds: [SQLValue]) throws -> Int {
        try Self.mapped { try db.cachedStatement(sql: sql).execute(arguments: Self.arguments(binds)) }
        return db.changesCount
    }

    /// A constraint violation is `StoreError.conflict`, as on PostgreSQL; other errors pass unchanged.
    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as DatabaseError where e.resultCode == .SQLITE_CONSTRAINT {
            throw StoreError(.conflict, "SQLite: \(e.message ?? "constraint violated")")
        }
    }
}

extension Row: SQLRow {
    public func value(_ column: String) -> SQLValue {
        let v: DatabaseValue? = self[column]
        switch v?.storage {
        case nil, .null: return .null
        case .int64(let i): return .int(i)
        case .double(let d): return .double(d)
        case .string(let s): return .text(s)
        case .blob(let b): return .text(String(decoding: b, as: UTF8.self))
        }
    }
}
