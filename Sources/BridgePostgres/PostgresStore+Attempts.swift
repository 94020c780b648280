import BridgeCore
import Foundation
import PostgresNIO

extension PostgresStore: InboundAttempts {
    public func beginInbound(_ key: String, owner: String, at: Date) async throws -> InboundAttempt? {
        try await transaction(readOnly: false) { c in
            // The insert takes the key's row lock: two instances given the same event see one first attempt.
            let inserted = try c.affected(
                """
                INSERT INTO inbound_attempts (key, owner, state, attempts, started_at) VALUES ($1, $2, 'acting', 1, $3)
                ON CONFLICT (key) DO NOTHING
                """,
                [.init(string: key), .init(string: owner), .init(double: at.timeIntervalSince1970)]
            )
            if inserted == 1 { return nil }
            guard
                let row = try c.query(
                    "SELECT owner, state, attempts FROM inbound_attempts WHERE key = $1 FOR UPDATE",
                    [.init(string: key)]
                ).first
            else { return nil }
            let before = InboundAttempt(owner: row.string("owner") ?? "", state: row.string("state") ?? "", attempts: row.int("attempts") ?? 0)
            _ = try c.run("UPDATE inbound_attempts SET attempts = attempts + 1 WHERE key = $1", [.init(string: key)])
            return before
        }
    }

    public func settleInbound(_ key: String, state: String) async throws {
        _ = try await transaction(readOnly: false) { c in
            try c.run("UPDATE inbound_attempts SET state = $1 WHERE key = $2", [.init(string: state), .init(string: key)])
        }
    }

    public func takeOverInbound(_ key: String, owner: String) async throws {
        _ = try await transaction(readOnly: false) { c in
            try c.run("UPDATE inbound_attempts SET owner = $1, state = 'retrying' WHERE key = $2", [.init(string: owner), .init(string: key)])
        }
    }

    /// An instance holds the advisory lock of its id for as long as it runs (`acquireLease(BridgeInstance.lease(id))`):
    /// when the lock can be taken here, its holder is gone.
    public func instanceAlive(_ owner: String) async -> Bool {
        let name = BridgeInstance.lease(owner)
        return (try? await transaction(readOnly: false) { c -> Bool in
            let got = try c.query("SELECT pg_try_advisory_xact_lock(2, hashtext($1)) AS ok", [.init(string: name)]).first?.bool("ok")
            return got == false
        }) ?? true
    }
}
