import BridgeCore
import BridgeSQL
import Foundation
import PostgresNIO

/// Inbound attempts come from `SQLStore` (BridgeSQL); whether another instance lives is PostgreSQL's own.
extension PostgresStore: InboundAttempts {
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
