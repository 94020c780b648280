import Crypto
import Foundation

/// Slack's v0 request signature: HMAC-SHA256 over `v0:{timestamp}:{raw body}`, 5-minute replay window.
public struct SlackSignature: Sendable {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case missingHeaders, staleTimestamp, badSignature
        public var description: String {
            switch self {
            case .missingHeaders: "missing X-Slack-Request-Timestamp or X-Slack-Signature"
            case .staleTimestamp: "timestamp outside the 5-minute window"
            case .badSignature: "signature does not match"
            }
        }
    }

    let secret: Data
    public init(secret: String) { self.secret = Data(secret.utf8) }

    /// `v0=` + hex HMAC of the base string.
    public func sign(timestamp: String, body: Data) -> String {
        var mac = HMAC<SHA256>(key: SymmetricKey(data: secret))
        mac.update(data: Data("v0:\(timestamp):".utf8))
        mac.update(data: body)
        return "v0=" + hexString(mac.finalize())
    }

    /// Checks the headers against the raw body at time `now`.
    public func verify(timestamp: String?, signature: String?, body: Data, now: Date) -> Result<Void, Failure> {
        guard let timestamp, let signature, let ts = Double(timestamp) else { return .failure(.missingHeaders) }
        guard abs(now.timeIntervalSince1970 - ts) <= 300 else { return .failure(.staleTimestamp) }
        let expected = sign(timestamp: timestamp, body: body)
        return constantTimeEquals(Array(expected.utf8), Array(signature.utf8)) ? .success(()) : .failure(.badSignature)
    }
}
