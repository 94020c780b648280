import BridgeCore
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// One PostgreSQL connection used from a blocking thread (never an event loop): each statement waits for its
/// result. The store's transaction bodies are synchronous, so this is where async I/O meets them.
final class PGConnection: @unchecked Sendable {
    let connection: PostgresConnection
    private(set) var broken = false

    init(_ connection: PostgresConnection) { self.connection = connection }

    static func open(_ settings: PostgresStore.Settings, logger: Logger) throws -> PGConnection {
        do {
            let c = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(),
                configuration: try settings.configuration,
                id: Int.random(in: 1...Int.max),
                logger: logger
            ).wait()
            return PGConnection(c)
        } catch let e as PSQLError {
            // postgres-nio's description says nothing on purpose; say what failed, without the password.
            let reason = e.serverInfo?[.message] ?? e.underlying.map { tlsReason($0, settings) ?? "\($0)" }
                ?? e.code.description
            throw StoreError(
                .unavailable,
                "cannot connect to PostgreSQL at \(settings.host):\(settings.port)/\(settings.database) as \(settings.user): \(reason)"
            )
        }
    }

    /// A failed TLS handshake in one line, with what to do: the server's certificate is not trusted, or does not
    /// name the host. Nil for any other error.
    static func tlsReason(_ error: any Error, _ settings: PostgresStore.Settings) -> String? {
        let text = String(describing: error)
        let roots = settings.sslRootCert.map { "sslrootcert=\($0)" } ?? "the system CA store"
        if text.contains("failedToValidateHostname") {
            return "the server's TLS certificate does not name \(settings.host) (sslmode=\(settings.sslMode)); "
                + "connect by a name it holds, or fix the certificate"
        }
        if text.contains("CERTIFICATE_VERIFY_FAILED") || text.contains("certificate verify failed") {
            return "the server's TLS certificate is not signed by a CA in \(roots) (sslmode=\(settings.sslMode)); "
                + "add ?sslrootcert=<CA file> to the URL (or ?sslmode=require to skip the check, which exposes "
                + "the password to a man in the middle)"
        }
        return nil
    }

    /// How long one statement may take before its connection is given up (a connection whose server went away
    /// can leave a request unanswered for ever; postgres-nio does not fail it).
    static let statementTimeout: Double = 30

    /// Waits for `future` at most `statementTimeout`; on a timeout the connection is closed and marked broken.
    private func wait<T: Sendable>(_ future: EventLoopFuture<T>) throws -> T {
        if connection.isClosed {
            broken = true
            throw StoreError(.unavailable, "the database connection is closed")
        }
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox<T>()
        future.whenComplete { r in
            box.set(r)
            done.signal()
        }
        guard done.wait(timeout: .now() + Self.statementTimeout) == .success, let result = box.get() else {
            broken = true
            let closing: EventLoopFuture<Void> = connection.close()
            _ = closing
            throw StoreError(.unavailable, "the database did not answer within \(Int(Self.statementTimeout)) s")
        }
        do {
            return try result.get()
        } catch let e as PSQLError where e.code == .server {
            // The statement failed; the connection is fine unless the server is shutting it down (57P01...).
            let error = PGError(e)
            if error.sqlState.hasPrefix("57") || error.sqlState.hasPrefix("08") || connection.isClosed { broken = true }
            throw error
        } catch {
            broken = true
            throw error
        }
    }

    func query(_ sql: String, _ binds: [PostgresData] = []) throws -> [Row] {
        try wait(connection.query(sql, binds)).rows.map { Row(row: $0.makeRandomAccess()) }
    }

    @discardableResult
    func run(_ sql: String, _ binds: [PostgresData] = []) throws -> Int {
        try affected(sql, binds)
    }

    /// Rows changed by an INSERT/UPDATE/DELETE.
    func affected(_ sql: String, _ binds: [PostgresData] = []) throws -> Int {
        try wait(connection.query(sql, binds)).metadata.rows ?? 0
    }

    /// Several statements, one after the other (PostgresNIO sends each query as one prepared statement):
    /// migrations, whose SQL has no `;` inside a literal.
    func script(_ sql: String) throws {
        for statement in sql.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) })
        where !statement.isEmpty {
            try run(statement)
        }
    }

    func close() {
        try? connection.close().wait()
    }

    /// A result row by column name.
    struct Row {
        let row: PostgresRandomAccessRow
        func data(_ c: String) -> PostgresData? {
            guard row.contains(c) else { return nil }
            let d = row[data: c]
            return d.value == nil ? nil : d
        }
        func string(_ c: String) -> String? { data(c)?.string }
        func double(_ c: String) -> Double? { data(c).flatMap { $0.double ?? $0.string.flatMap(Double.init) } }
        func int(_ c: String) -> Int? { data(c).flatMap { $0.int ?? $0.string.flatMap(Int.init) } }
        func int64(_ c: String) -> Int64? { data(c).flatMap { $0.int64 ?? $0.string.flatMap(Int64.init) } }
        func bool(_ c: String) -> Bool? { data(c)?.bool }
        func date(_ c: String) -> Date? { double(c).map(Date.init(timeIntervalSince1970:)) }
    }
}

/// A server error of one statement, in one line (SQLSTATE and message).
struct PGError: Error, CustomStringConvertible {
    let sqlState: String
    let message: String
    init(_ e: PSQLError) {
        sqlState = e.serverInfo?[.sqlState] ?? "?"
        message = e.serverInfo?[.message] ?? "\(e)"
    }
    var description: String { "PostgreSQL \(sqlState): \(message)" }
    var isUniqueViolation: Bool { sqlState == "23505" }
    /// A deadlock or a serialization failure: the whole transaction may simply be run again.
    var isRetryable: Bool { sqlState == "40P01" || sqlState == "40001" }
}

/// Connections handed to one blocking thread at a time; a broken one is dropped and a new one made next time.
final class ConnectionPool: @unchecked Sendable {
    let settings: PostgresStore.Settings
    let logger: Logger
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var idle: [PGConnection] = []
    private var all: [ObjectIdentifier: PGConnection] = [:]

    init(size: Int, settings: PostgresStore.Settings, logger: Logger) {
        self.settings = settings
        self.logger = logger
        slots = DispatchSemaphore(value: size)
    }

    func with<T>(_ body: (PGConnection) throws -> T) throws -> T {
        slots.wait()
        defer { slots.signal() }
        var reused = lock.withLock { idle.popLast() }
        while let r = reused, r.connection.isClosed {
            r.close()
            lock.withLock { all[ObjectIdentifier(r)] = nil }
            reused = lock.withLock { idle.popLast() }
        }
        let c = try reused ?? open()
        defer {
            if c.broken {
                c.close()
                lock.withLock { all[ObjectIdentifier(c)] = nil }
            } else {
                lock.withLock { idle.append(c) }
            }
        }
        return try body(c)
    }

    private func open() throws -> PGConnection {
        let c = try PGConnection.open(settings, logger: logger)
        lock.withLock { all[ObjectIdentifier(c)] = c }
        return c
    }

    func closeAll() {
        let cs = lock.withLock { () -> [PGConnection] in
            defer {
                all.removeAll()
                idle.removeAll()
            }
            return Array(all.values)
        }
        cs.forEach { $0.close() }
    }
}

extension PostgresData {
    /// Text for PostgreSQL, which cannot store U+0000 (SQLite can): it becomes U+FFFD.
    static func text(_ s: String) -> PostgresData {
        PostgresData(string: s.contains("\u{0}") ? s.replacingOccurrences(of: "\u{0}", with: "\u{FFFD}") : s)
    }
    /// A bind for an optional value (`NULL` when nil).
    static func opt(_ s: String?) -> PostgresData { s.map { PostgresData.text($0) } ?? .null }
    static func opt(_ d: Double?) -> PostgresData { d.map { PostgresData(double: $0) } ?? .null }
    static func opt(_ i: Int?) -> PostgresData { i.map { PostgresData(int64: Int64($0)) } ?? .null }
    static func int(_ i: Int) -> PostgresData { PostgresData(int64: Int64(i)) }
    static func time(_ d: Date) -> PostgresData { PostgresData(double: d.timeIntervalSince1970) }
}

/// The result of a future, handed from the event loop to the waiting thread.
private final class ResultBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Result<T, any Error>?
    func set(_ r: Result<T, any Error>) { lock.withLock { value = r } }
    func get() -> Result<T, any Error>? { lock.withLock { value } }
}
