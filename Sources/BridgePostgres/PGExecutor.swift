import BridgeCore
import BridgeSQL
import Foundation
import PostgresNIO

/// The shared statements on one PostgreSQL connection: `?` rendered as `$n`, values bound as postgres-nio data.
struct PGExecutor: SQLExecutor {
    let c: PGConnection
    var dialect: SQLDialect { .postgres }

    static func bind(_ v: SQLValue) -> PostgresData {
        switch v {
        case .null: .null
        case .int(let i): PostgresData(int64: i)
        case .double(let d): PostgresData(double: d)
        case .text(let s): .text(s)
        }
    }

    func rows(_ sql: String, _ binds: [SQLValue]) throws -> [any SQLRow] {
        try Self.mapped { try c.query(dialect.render(sql), binds.map(Self.bind)) }
    }

    func execute(_ sql: String, _ binds: [SQLValue]) throws -> Int {
        try Self.mapped { try c.affected(dialect.render(sql), binds.map(Self.bind)) }
    }

    /// An integrity constraint violation (SQLSTATE class 23) is `StoreError.conflict`, as on SQLite; other errors
    /// pass unchanged (a deadlock stays a `PGError`, so the transaction is run again).
    static func mapped<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as PGError where e.sqlState.hasPrefix("23") {
            throw StoreError(.conflict, e.description)
        }
    }
}

extension PGConnection.Row: SQLRow {
    func value(_ column: String) -> SQLValue {
        guard let d = data(column) else { return .null }
        switch d.type {
        case .int2, .int4, .int8: return (d.int64 ?? d.string.flatMap(Int64.init)).map { .int($0) } ?? .null
        case .float4, .float8, .numeric: return (d.double ?? d.string.flatMap(Double.init)).map { .double($0) } ?? .null
        case .bool: return d.bool.map { .int($0 ? 1 : 0) } ?? .null
        default: return d.string.map { .text($0) } ?? .null
        }
    }
}
