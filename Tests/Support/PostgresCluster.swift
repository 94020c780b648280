import BridgeCore
import BridgePostgres
import BridgeServer
import BridgeStore
import Foundation
import Testing

/// A throwaway PostgreSQL cluster for this test process (`scripts/pg-cluster.sh`, started on first use, stopped
/// at exit), with a fresh database per test. `make test` installs PostgreSQL when it is missing; a test that
/// needs it fails (never skips) when it cannot start.
package enum PostgresCluster {
    nonisolated(unsafe) package static var dir: String?

    /// Runs the cluster script with posix_spawn, an empty signal mask and its own output file. Test threads block
    /// signals and a child inherits the mask: a postmaster that cannot receive SIGUSR1/SIGCHLD never finishes
    /// starting. (Foundation's Process was not reaping the script here either.)
    package static func script(_ args: [String]) throws -> CLI.Result {
        let out = NSTemporaryDirectory() + "ib-pg-script-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: out) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        let argv = ["/bin/bash", Fixtures.path("scripts/pg-cluster.sh")] + args
        let cargs = argv.map { strdup($0) } + [nil]
        defer { cargs.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, argv[0], &actions, &attributes, cargs, environ) == 0 else {
            throw Peers.PeerError(message: "cannot run scripts/pg-cluster.sh")
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return CLI.Result(status: code, stdout: text, stderr: text)
    }

    nonisolated(unsafe) package static var started: String?
    package static let lock = NSLock()

    /// The cluster's URL, starting it on first use (not in a `static let`: Foundation's Process cannot be waited
    /// for inside a lazy global's initializer).
    package static func base() throws -> String {
        lock.lock()
        defer { lock.unlock() }
        if let started { return started }
        let d = NSTemporaryDirectory() + "ib-pg-" + UUID().uuidString.prefix(8)
        let port = Peers.freePort()
        let r = try script(["start", d, String(port)])
        guard r.status == 0 else {
            throw Peers.PeerError(message: "PostgreSQL did not start (scripts/pg-cluster.sh; make test installs it): \(r.stderr)")
        }
        dir = d
        atexit {
            if let d = PostgresCluster.dir {
                _ = try? PostgresCluster.script(["stop", d])
                try? FileManager.default.removeItem(atPath: d)
            }
        }
        started = r.stdout.split(separator: "\n").last.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        return started!
    }

    /// The URL of a new, empty database.
    package static func database() throws -> String {
        let url = try base()
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        let r = try Peers.run("/usr/bin/psql", [url, "-q", "-c", "CREATE DATABASE \(name)"])
        guard r.status == 0 else { throw Peers.PeerError(message: "CREATE DATABASE: \(r.stderr)") }
        return url.replacingOccurrences(of: "/postgres", with: "/\(name)")
    }

    /// `psql -At -c SQL` on `url`.
    package static func psql(_ url: String, _ sql: String) throws -> String {
        let r = try Peers.run("/usr/bin/psql", [url, "-At", "-c", sql])
        guard r.status == 0 else { throw Peers.PeerError(message: "psql: \(r.stderr)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// The stores the conformance suite runs against.
package enum StoreKind: String, CaseIterable, CustomTestStringConvertible {
    case sqlite, postgres
    package var testDescription: String { rawValue }

    /// The stores this run tests: every kind, or those `INCIDENT_BRIDGE_TEST_STORES` names (`make test-fast` sets
    /// `sqlite`; `make test` sets nothing, so PostgreSQL runs and fails when it cannot start). A name that is not a
    /// store stops the run rather than quietly testing less.
    package static let selected: [StoreKind] = {
        guard let names = ProcessInfo.processInfo.environment["INCIDENT_BRIDGE_TEST_STORES"] else { return allCases }
        return names.split(separator: ",").map { name in
            guard let kind = StoreKind(rawValue: String(name)) else {
                fatalError("INCIDENT_BRIDGE_TEST_STORES: \(name) is not a store (sqlite, postgres)")
            }
            return kind
        }
    }()

    /// A fresh store, and a way to open a second handle on the same data (another instance).
    package func make() throws -> (store: any BridgeStorage, another: () throws -> any BridgeStorage) {
        switch self {
        case .sqlite:
            let path = Fixtures.tempDir() + "/conformance.sqlite"
            return (try SQLiteStore(path: path), { try SQLiteStore(path: path) })
        case .postgres:
            let url = try PostgresCluster.database()
            return (try PostgresStore(url: url), { try PostgresStore(url: url) })
        }
    }
}
