import BridgeTestSupport
import BridgeCore
@testable import BridgePostgres
import Foundation
import NIOSSL
import Testing

/// TLS to PostgreSQL (issue 24, finding 7): `verify-full` by default off loopback, `require` only when asked for.
@Suite struct PostgresTLSTests {
    static func settings(_ url: String) throws -> PostgresStore.Settings {
        try PostgresStore.Settings(url: url, environment: [:])
    }

    static func verification(_ url: String) throws -> String {
        // `none` prints with its options: the case name is enough.
        try settings(url).certificateVerification.map { String("\($0)".prefix { $0 != "(" }) } ?? "off"
    }

    @Test func modeChosenPerURL() throws {
        // Off loopback: the server is verified, chain and name, unless asked otherwise.
        #expect(try Self.settings("postgres://bridge@db.internal:5432/bridge").sslMode == "verify-full")
        #expect(try Self.verification("postgres://bridge@db.internal/bridge") == "fullVerification")
        #expect(try Self.verification("postgres://bridge@10.0.0.5/bridge") == "fullVerification")
        #expect(try Self.verification("postgres://bridge@127.0.0.1.nip.io/bridge") == "fullVerification")
        #expect(try Self.verification("postgres://bridge@127.evil.example/bridge") == "fullVerification")
        // Loopback: no TLS unless asked for.
        for host in ["127.0.0.1", "127.0.0.2", "localhost", "[::1]"] {
            #expect(try Self.settings("postgres://bridge@\(host):5432/bridge").sslMode == "disable", "\(host)")
            #expect(try Self.verification("postgres://bridge@\(host):5432/bridge") == "off", "\(host)")
        }
        // Explicit modes, as libpq.
        let remote = "postgres://bridge@db.internal/bridge"
        #expect(try Self.verification(remote + "?sslmode=require") == "none")
        #expect(try Self.verification(remote + "?sslmode=prefer") == "none")
        #expect(try Self.verification(remote + "?sslmode=verify-ca") == "noHostnameVerification")
        #expect(try Self.verification(remote + "?sslmode=disable") == "off")
        #expect(try Self.verification(remote + "?sslmode=require&sslrootcert=/etc/ca.pem") == "noHostnameVerification")
        // A root file: verified against it, on loopback too.
        let rooted = try Self.settings("postgres://bridge@localhost/bridge?sslrootcert=/etc/ca.pem")
        #expect(rooted.sslMode == "verify-full" && rooted.sslRootCert == "/etc/ca.pem")
        #expect(try Self.settings(remote + "?sslrootcert=system").sslRootCert == nil)
        #expect(throws: StoreError.self) { try Self.settings(remote + "?sslmode=verify-maybe") }
        // A root file that cannot be read is one clear line when connecting.
        let missing = try Self.settings(remote + "?sslrootcert=/nonexistent/ca.pem")
        #expect(throws: StoreError.self) { _ = try missing.tlsConfiguration }
    }

    /// A throwaway cluster with TLS on, its certificate signed by a CA of the test's own for the name `localhost`.
    struct TLSCluster {
        let dir: String
        let port: Int
        let ca: String

        init() throws {
            dir = NSTemporaryDirectory() + "ib-pgtls-" + UUID().uuidString.prefix(8)
            port = Peers.freePort()
            let started = try PostgresCluster.script(["start", dir, String(port)])
            guard started.status == 0 else { throw Peers.PeerError(message: "PostgreSQL did not start: \(started.stderr)") }
            ca = dir + "/tls/ca.pem"
            let script = """
                set -e
                mkdir -p "$1/tls" && cd "$1/tls"
                openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=bridge test CA" \
                    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
                openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=localhost" 2>/dev/null
                printf 'subjectAltName=DNS:localhost\\nbasicConstraints=CA:FALSE\\nextendedKeyUsage=serverAuth\\n' > ext
                openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
                    -extfile ext 2>/dev/null
                chmod 600 server.key
                if [ "$(id -u)" -eq 0 ]; then chown -R postgres "$1/tls"; fi
                """
            let made = try Peers.run("/bin/bash", ["-c", script, "tls", dir])
            guard made.status == 0 else { throw Peers.PeerError(message: "openssl: \(made.stderr)") }
            let url = "postgres://bridge@127.0.0.1:\(port)/postgres"
            for sql in [
                "ALTER SYSTEM SET ssl_cert_file = '\(dir)/tls/server.pem'",
                "ALTER SYSTEM SET ssl_key_file = '\(dir)/tls/server.key'",
                "ALTER SYSTEM SET ssl = on",
                "SELECT pg_reload_conf()",
            ] {
                _ = try PostgresCluster.psql(url + "?sslmode=disable", sql)
            }
            let end = Date().addingTimeInterval(10)
            while try PostgresCluster.psql(url + "?sslmode=disable", "SHOW ssl") != "on", Date() < end {
                usleep(100_000)
            }
        }

        func stop() {
            _ = try? PostgresCluster.script(["stop", dir])
            try? FileManager.default.removeItem(atPath: dir)
        }

        /// Waits (up to 5 s) until the connections of stores already dropped are gone, so a count is this store's.
        func awaitNoTLSConnections() throws {
            let end = Date().addingTimeInterval(5)
            while try tlsConnections() != 0, Date() < end { usleep(50_000) }
            #expect(try tlsConnections() == 0)
        }

        /// How many connections to the server use TLS now.
        func tlsConnections() throws -> Int {
            Int(try PostgresCluster.psql(
                "postgres://bridge@127.0.0.1:\(port)/postgres?sslmode=disable",
                "SELECT count(*) FROM pg_stat_ssl WHERE ssl"
            )) ?? -1
        }
    }

    static func open(_ url: String) throws -> PostgresStore {
        try PostgresStore(url: url, environment: ["PGPASSWORD": "not-the-password-42"], connections: 1)
    }

    /// The refusal of `open(url)`: one line, naming the fix, never the password.
    static func refusal(_ url: String) -> String {
        do {
            _ = try open(url)
            return "connected"
        } catch {
            return "\(error)"
        }
    }

    @Test func verifyFullRefusesAnUntrustedServerAndRequireOrTheRightCAConnect() throws {
        let cluster = try TLSCluster()
        defer { cluster.stop() }
        let ip = "postgres://bridge@127.0.0.1:\(cluster.port)/postgres"
        let name = "postgres://bridge@localhost:\(cluster.port)/postgres"

        // Verified against the system CA store: the test CA is not in it.
        let untrusted = Self.refusal(ip + "?sslmode=verify-full")
        #expect(untrusted.contains("not signed by a CA in the system CA store"), "\(untrusted)")
        #expect(untrusted.contains("sslrootcert="), "\(untrusted)")
        #expect(!untrusted.contains("\n") && !untrusted.contains("not-the-password-42"), "\(untrusted)")
        // The right CA, by the name on the certificate: connects (verify-full is the default with a root file).
        try cluster.awaitNoTLSConnections()
        do {
            let store = try Self.open(name + "?sslrootcert=\(cluster.ca)")
            #expect(try cluster.tlsConnections() >= 1)
            _ = store
        }
        // The right CA but not the name on the certificate: refused by verify-full, taken by verify-ca.
        let wrongName = Self.refusal(ip + "?sslmode=verify-full&sslrootcert=\(cluster.ca)")
        #expect(wrongName.contains("does not name 127.0.0.1"), "\(wrongName)")
        #expect(!wrongName.contains("\n"))
        _ = try Self.open(ip + "?sslmode=verify-ca&sslrootcert=\(cluster.ca)")
        // Asked for explicitly, `require` encrypts without checking.
        try cluster.awaitNoTLSConnections()
        do {
            let store = try Self.open(ip + "?sslmode=require")
            #expect(try cluster.tlsConnections() >= 1)
            _ = store
        }
        // A root file that is not one.
        let bad = Self.refusal(ip + "?sslrootcert=\(cluster.dir)/tls/ext&sslmode=verify-full")
        #expect(bad.contains("is not a readable PEM file"), "\(bad)")
    }
}
