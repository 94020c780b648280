import BridgeCore
import Yams

extension ConfigReader {
    /// `http.max_connections` and the idle, header and body timeouts of the HTTP server, range-checked.
    mutating func readConnectionLimits(_ hp: [(String, Node)], into http: inout BridgeConfiguration.HTTPSettings) {
        if let n = int(value(hp, "max_connections"), "http.max_connections", min: 1, max: 1_000_000) {
            http.maxConnections = n
        }
        func timeout(_ key: String, _ current: BridgeDuration) -> BridgeDuration {
            guard let d = duration(value(hp, key), "http.\(key)") else { return current }
            guard d.seconds >= 1, d.seconds <= 3600 else {
                fail("http.\(key)", value(hp, key), "must be from 1s to 1h, got \(d)")
                return current
            }
            return d
        }
        http.idleTimeout = timeout("idle_timeout", http.idleTimeout)
        http.headerTimeout = timeout("header_timeout", http.headerTimeout)
        http.bodyTimeout = timeout("body_timeout", http.bodyTimeout)
    }
}
