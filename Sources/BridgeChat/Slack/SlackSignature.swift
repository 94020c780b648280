import BridgeCore
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

    /// Built once: a route verifies every request with the same key.
    let key: SharedKey
    public init(secret: String) { self.key = SharedKey(SymmetricKey(data: Data(secret.utf8))) }

    func mac(timestamp: String, body: Data) -> HashedAuthenticationCode<SHA256> {
        var mac = key.hmac  // a copy: its hash states are copied on the first update
        var prefix = "v0:\(timestamp):"
        prefix.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
        mac.update(data: body)
        return mac.finalize()
    }

    /// `v0=` + hex HMAC of the base string.
    public func sign(timestamp: String, body: Data) -> String {
        "v0=" + hexString(mac(timestamp: timestamp, body: body))
    }

    /// Checks the headers against the raw body at time `now`.
    public func verify(timestamp: String?, signature: String?, body: Data, now: Date) -> Result<Void, Failure> {
        guard let timestamp, let signature, let ts = Double(timestamp) else { return .failure(.missingHeaders) }
        guard abs(now.timeIntervalSince1970 - ts) <= 300 else { return .failure(.staleTimestamp) }
        // The header's hex decoded once and compared in constant time with the MAC's bytes.
        guard let given = Self.signatureBytes(signature) else { return .failure(.badSignature) }
        let expected = mac(timestamp: timestamp, body: body)
        let equal = expected.withUnsafeBytes { constantTimeEquals($0, given) }
        return equal ? .success(()) : .failure(.badSignature)
    }

    /// The 32 bytes of a `v0=` + 64 lowercase-or-uppercase hex signature, or nil.
    static func signatureBytes(_ signature: String) -> [UInt8]? {
        var utf8 = signature.utf8[...]
        guard utf8.count == 67, utf8.starts(with: "v0=".utf8) else { return nil }
        utf8 = utf8.dropFirst(3)
        var out = [UInt8]()
        out.reserveCapacity(32)
        var it = utf8.makeIterator()
        while let hi = it.next(), let lo = it.next() {
            guard let h = FormDecoder.hexValue(hi), let l = FormDecoder.hexValue(lo) else { return nil }
            out.append(h << 4 | l)
        }
        return out
    }
}

/// An immutable key shared by concurrent requests, with the HMAC already keyed (the key pads hashed once):
/// each request copies it, and swift-crypto's hash states are copy-on-write. swift-crypto does not mark these
/// types Sendable; nothing here is mutated after it is built. Faster than keying the HMAC per request (see
/// BENCHMARKS.md: "Hand-written code against the library it replaces").
final class SharedKey: @unchecked Sendable {
    let hmac: HMAC<SHA256>
    init(_ key: SymmetricKey) { self.hmac = HMAC<SHA256>(key: key) }
}
