import Foundation

/// Runs statements inside one transaction of a store. SQL is written with `?` placeholders; the executor renders
/// them for its dialect.
public protocol SQLExecutor {
    /// What the statements run on.
    var dialect: SQLDialect { get }
    /// The rows a statement returns (a SELECT, or an INSERT ... RETURNING).
    func rows(_ sql: String, _ binds: [SQLValue]) throws -> [any SQLRow]
    /// Runs a statement; returns the rows it changed.
    @discardableResult func execute(_ sql: String, _ binds: [SQLValue]) throws -> Int
}

extension SQLExecutor {
    /// `rows` without binds.
    public func rows(_ sql: String) throws -> [any SQLRow] { try rows(sql, []) }
    /// `execute` without binds.
    @discardableResult public func execute(_ sql: String) throws -> Int { try execute(sql, []) }
    /// The first row a statement returns, if any.
    public func first(_ sql: String, _ binds: [SQLValue] = []) throws -> (any SQLRow)? { try rows(sql, binds).first }
}
