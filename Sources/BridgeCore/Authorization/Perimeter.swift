import Foundation

/// The doors of `serve` that would let an unauthenticated caller in. A door the config does not open on
/// purpose stops `serve` from starting (exit 2, one line naming the key); `check` lists every door, open on
/// purpose or not.
public enum Perimeter {
    public struct Door: Sendable, Equatable, CustomStringConvertible {
        /// The config key that closes (or deliberately opens) the door.
        public var key: String
        public var message: String
        /// True when the config opens this door explicitly (`allow_unauthenticated`, `public_pages`).
        public var deliberate: Bool
        public var description: String { "\(key): \(message)" }
    }

    /// True for addresses only this machine can reach.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Every open door of `config` when `serve` listens on `host`.
    public static func doors(_ config: BridgeConfiguration, host: String) -> [Door] {
        var out: [Door] = []
        if config.alertTokenEnv == nil {
            out.append(
                Door(
                    key: config.alertDoor.keyPath
                        + (config.alertsAllowUnauthenticated ? ".allow_unauthenticated" : ".token_env"),
                    message: "POST \(config.alertDoor.route) accepts alerts from anyone (any payload opens and pages an "
                        + "incident; a forged `resolved` mitigates one); set token_env",
                    deliberate: config.alertsAllowUnauthenticated
                )
            )
        }
        if config.http.readTokenEnv == nil {
            out.append(
                Door(
                    key: config.http.publicPages ? "http.public_pages" : "http.read_token_env",
                    message: "GET /incidents pages show every incident, title and timeline to anyone who can reach "
                        + "the port; set http.read_token_env",
                    deliberate: config.http.publicPages
                )
            )
            if !isLoopback(host) && config.http.publicPages {
                out.append(
                    Door(
                        key: "http.public_pages",
                        message: "GET /metrics is served without a token on \(host)",
                        deliberate: true
                    )
                )
            }
        }
        return out
    }

    /// The first door the config does not open on purpose: the reason `serve` refuses to start.
    public static func refusal(_ config: BridgeConfiguration, host: String) -> Door? {
        doors(config, host: host).first { !$0.deliberate }
    }
}
