import Foundation

/// A store failure with a code a caller can act on, the same from every store (SQLite and PostgreSQL raise the
/// same code for the same cause), and one line saying what went wrong.
public struct StoreError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What kind of failure; compare codes, never messages.
    public enum Code: Sendable, Equatable {
        /// The row a write needs is not there (an update of an incident that does not exist).
        case notFound
        /// A stored value breaks what the schema promises (a NULL in a column read as required, an unknown
        /// state); the column named.
        case corrupt(column: String)
        /// A value clashes with one already stored, or a value cannot be stored as given (a malformed id).
        case conflict
        /// The database cannot be reached or did not answer (connection refused, closed, timed out).
        case unavailable
        /// A setting or an argument of the store is wrong (a `--db` URL, a TLS file).
        case invalid
        /// A failure the others do not name (a server error passed through).
        case other
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// A failure without a more specific code.
    public init(_ message: String) { self.init(.other, message) }

    public var description: String { message }

    /// A NULL (or an unreadable value) where the schema promises one: `table.column` named.
    public static func corrupt(_ column: String, _ detail: String = "is NULL or unreadable") -> StoreError {
        StoreError(.corrupt(column: column), "stored row broken: \(column) \(detail) (the schema promises a value)")
    }
}
