import BridgeCore
import BridgeSQL
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// The store on PostgreSQL, for several `serve` instances on one database (none of them special).
///
/// - Every command is one transaction (`READ COMMITTED`), run on a thread of its own so the synchronous
///   transaction bodies of the core can wait for each statement.
/// - Two instances never fire a timer twice: a timer is claimed `FOR UPDATE SKIP LOCKED` and marked fired by a
///   compare-and-set in the same transaction as its timeline and outbox rows. They never send an outbox row twice:
///   taking a row is a compare-and-set on its lease deadline, and a dead instance's lease runs out.
/// - Incident numbers come from a per-day counter row (`incident_sequences`), locked by the transaction that
///   takes a number: unique across instances.
/// - Single-consumer loops (the Matrix poller, the Mattermost WebSocket, retention) run where a session-level
///   advisory lock is held; the lock goes with its holder's connection, so a survivor takes over within its
///   polling interval.
public final class PostgresStore: BridgeStorage, SQLStore, OutboxQueue, @unchecked Sendable {
    public let location: String
    let settings: Settings
    let pool: ConnectionPool
    let threads: NIOThreadPool
    let logger: Logger

    /// The parts of a `postgres://user[:password]@host[:port]/database[?sslmode=...&sslrootcert=...]` URL.
    public struct Settings: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var user: String
        public var password: String?
        public var database: String
        /// `disable` (default on loopback), `prefer`, `require`, `verify-ca`, `verify-full` (default elsewhere,
        /// and on loopback when `sslrootcert` is given), as libpq: only `verify-full` checks the server is the
        /// host named, so only it keeps `PGPASSWORD` from a man in the middle.
        public var sslMode: String
        /// `sslrootcert=`: a PEM file of the CA certificates the server's chain is verified against, or `system`
        /// (the default: the system CA store).
        public var sslRootCert: String?

        /// The password comes from `PGPASSWORD` (or the URL, discouraged): never from the YAML.
        public init(url: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws {
            guard let c = URLComponents(string: url), ["postgres", "postgresql"].contains(c.scheme ?? ""),
                let host = c.host, !host.isEmpty
            else {
                throw StoreError(.invalid, "--db \(PostgresStore.redacted(url)): expected postgres://user@host:5432/database")
            }
            self.host = host
            port = c.port ?? 5432
            user = c.user ?? environment["PGUSER"] ?? "postgres"
            password = c.password ?? environment["PGPASSWORD"]
            let path = c.path.hasPrefix("/") ? String(c.path.dropFirst()) : c.path
            database = path.isEmpty ? (environment["PGDATABASE"] ?? user) : path
            let query = { (name: String) in c.queryItems?.first { $0.name == name }?.value }
            sslRootCert = query("sslrootcert").flatMap { $0.isEmpty || $0 == "system" ? nil : $0 }
            sslMode = query("sslmode") ?? (Self.isLoopback(host) && query("sslrootcert") == nil ? "disable" : "verify-full")
            guard ["disable", "prefer", "require", "verify-ca", "verify-full"].contains(sslMode) else {
                throw StoreError(.invalid, "--db: sslmode=\(sslMode) is not one of disable, prefer, require, verify-ca, verify-full")
            }
        }

        /// This machine: a password cannot be captured on the way (TLS is then off unless asked for).
        static func isLoopback(_ host: String) -> Bool {
            let octets = host.split(separator: ".", omittingEmptySubsequences: false)
            let v4 = octets.count == 4 && octets.first == "127" && octets.allSatisfy { UInt8($0) != nil }
            return v4 || host == "localhost" || host == "::1" || host == "[::1]"
        }

        /// What NIOSSL checks in each mode: nothing (`prefer`, `require` without a root file), the chain
        /// (`verify-ca`, and `require` with `sslrootcert` as in libpq), the chain and the host (`verify-full`).
        var certificateVerification: CertificateVerification? {
            switch sslMode {
            case "disable": nil
            case "prefer": CertificateVerification.none
            case "require": sslRootCert == nil ? CertificateVerification.none : .noHostnameVerification
            case "verify-ca": .noHostnameVerification
            default: .fullVerification
            }
        }

        /// The TLS client settings of a connection, or nil for `disable`.
        var tlsConfiguration: TLSConfiguration? {
            get throws {
                guard let verification = certificateVerification else { return nil }
                var t = TLSConfiguration.makeClientConfiguration()
                t.certificateVerification = verification
                if let sslRootCert {
                    do {
                        t.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(sslRootCert))
                    } catch {
                        throw StoreError(.invalid, "--db: sslrootcert=\(sslRootCert) is not a readable PEM file of CA certificates")
                    }
                }
                return t
            }
        }

        var configuration: PostgresConnection.Configuration {
            get throws {
                let tls: PostgresConnection.Configuration.TLS
                if let t = try tlsConfiguration {
                    let context = try NIOSSLContext(configuration: t)
                    tls = sslMode == "prefer" ? .prefer(context) : .require(context)
                } else {
                    tls = .disable
                }
                return PostgresConnection.Configuration(
                    host: host,
                    port: port,
                    username: user,
                    password: password,
                    database: database,
                    tls: tls
                )
            }
        }
    }

    public static func redacted(_ url: String) -> String {
        guard var c = URLComponents(string: url) else {
            // Not parsable (a `#` in a password...): show no more than the scheme.
            return url.hasPrefix("postgres") ? (url.split(separator: ":").first.map(String.init) ?? "postgres") + "://***" : url
        }
        guard c.password != nil else { return url }
        c.password = "***"
        return c.string ?? url
    }

    static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// Connects (up to `connections` at once), migrates, and is ready.
    public init(
        url: String,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        connections: Int = 8,
        logger: Logger = Logger(label: "incident-bridge.postgres")
    ) throws {
        settings = try Settings(url: url, environment: environment)
        location = Self.redacted(url)
        self.logger = logger
        pool = ConnectionPool(size: connections, settings: settings, logger: logger)
        threads = NIOThreadPool(numberOfThreads: connections)
        threads.start()
        try pool.with { c in try PostgresMigrations.migrate(c) }
    }

    deinit {
        pool.closeAll()
        try? threads.syncShutdownGracefully()
    }

    /// Runs `body` on a thread of the pool with a connection, inside BEGIN/COMMIT (ROLLBACK on any error). The
    /// body is dropped before the caller resumes (`read` lends it a non-escaping closure).
    func transaction<T: Sendable>(
        readOnly: Bool,
        _ body: @escaping @Sendable (PGConnection) throws -> T
    ) async throws -> T {
        let pool = self.pool
        let box = BodyBox(body)
        return try await withCheckedThrowingContinuation { (k: CheckedContinuation<T, any Error>) in
            threads.submit { state in
                let result = { () -> Result<T, any Error> in
                    guard state == .active, let body = box.take() else { return .failure(StoreError(.unavailable, "the store is shut down")) }
                    // A deadlock or serialization failure rolls everything back: run the body once more.
                    var attempt = 0
                    while true {
                        attempt += 1
                        let r = Result {
                            try pool.with { c -> T in
                                try c.run(readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN")
                                do {
                                    let v = try body(c)
                                    try c.run("COMMIT")
                                    return v
                                } catch {
                                    try? c.run("ROLLBACK")
                                    throw error
                                }
                            }
                        }
                        if case .failure(let e as PGError) = r, e.isRetryable, attempt < 3 { continue }
                        return r
                    }
                }()
                k.resume(with: result)
            }
        }
    }

    public func write<T: Sendable>(_ body: @escaping @Sendable (any IncidentTransaction) throws -> T) async throws -> T {
        try await transaction(readOnly: false) { c in try body(SQLIncidentTransaction(PGExecutor(c: c), writing: true)) }
    }

    public func read<T: Sendable>(_ body: @Sendable (any IncidentReader) throws -> T) async throws -> T {
        try await withoutActuallyEscaping(body) { escaping in
            let box = UncheckedBody(body: escaping)
            return try await transaction(readOnly: true) { c in
                try box.body(SQLIncidentTransaction(PGExecutor(c: c), writing: false))
            }
        }
    }

    // MARK: SQLStore (the outbox, inbound attempts, cursors and retention: BridgeSQL)

    public func sqlWrite<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) throws -> T) async throws -> T {
        try await transaction(readOnly: false) { c in try body(PGExecutor(c: c)) }
    }

    public func sqlRead<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) throws -> T) async throws -> T {
        try await transaction(readOnly: true) { c in try body(PGExecutor(c: c)) }
    }

    /// Polls `pg_try_advisory_lock` on a connection of its own every `every` seconds until it gets the lock. Leases
    /// are two-key locks in namespace 2, alert groups in namespace 1: no alert group key can hash onto a lease.
    public func acquireLease(_ name: String) async throws -> (any StorageLease)? {
        try await acquireLease(name, every: 5)
    }

    public func acquireLease(_ name: String, every: Double) async throws -> (any StorageLease)? {
        while !Task.isCancelled {
            let c = try? PGConnection.open(settings, logger: logger)
            if let c {
                let got = (try? c.query("SELECT pg_try_advisory_lock(2, hashtext($1)) AS ok", [.init(string: name)]).first?.bool("ok"))
                    ?? false
                if got == true {
                    // The server must notice a holder that vanished (host down, cable cut) within seconds, not after
                    // the kernel's 2 h keepalive: the lock goes with the connection.
                    _ = try? c.run("SET tcp_keepalives_idle = 5")
                    _ = try? c.run("SET tcp_keepalives_interval = 2")
                    _ = try? c.run("SET tcp_keepalives_count = 3")
                    _ = try? c.run("SET tcp_user_timeout = 10000")
                    return AdvisoryLease(connection: c, name: name)
                }
                c.close()
            }
            try? await Task.sleep(nanoseconds: Bounds.nanoseconds(every))
        }
        return nil
    }
}

/// A lease held as a session-level advisory lock on a connection of its own.
final class AdvisoryLease: StorageLease, @unchecked Sendable {
    let connection: PGConnection
    let name: String
    init(connection: PGConnection, name: String) {
        self.connection = connection
        self.name = name
    }
    func isHeld() async -> Bool {
        (try? connection.query("SELECT 1 AS one").first?.int("one")) == 1
    }
    func release() async {
        _ = try? connection.run("SELECT pg_advisory_unlock(2, hashtext($1))", [.init(string: name)])
        connection.close()
    }
}

/// A transaction body handed to the store's thread once; taking it leaves the box empty.
final class BodyBox<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var body: (@Sendable (PGConnection) throws -> T)?
    init(_ body: @escaping @Sendable (PGConnection) throws -> T) { self.body = body }
    func take() -> (@Sendable (PGConnection) throws -> T)? {
        lock.withLock {
            defer { body = nil }
            return body
        }
    }
}

/// `read`'s body does not escape the call; the box carries it to the store's thread and back.
private struct UncheckedBody<T>: @unchecked Sendable {
    let body: (any IncidentReader) throws -> T
}
