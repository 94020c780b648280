import BridgeCore
import CCurl
import Foundation

/// Maps libcurl result codes to the core's `TransportError`.
enum CurlErrors {
    /// The error for a failed transfer. `detail` is libcurl's error buffer (it names hosts, never request
    /// headers); when it is empty, libcurl's generic text for the code is used.
    static func map(_ code: CURLcode, detail: String) -> TransportError {
        let message = detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
        switch code {
        case CURLE_OPERATION_TIMEDOUT:
            return .timeout(message)
        case CURLE_COULDNT_CONNECT:
            return .connect(message)
        case CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            return .resolve(message)
        case CURLE_URL_MALFORMAT, CURLE_UNSUPPORTED_PROTOCOL:
            return .invalidRequest(message)
        default:
            if tlsCodes.contains(code.rawValue) { return .tls(message) }
            return .other(code: Int(code.rawValue), message: message)
        }
    }

    /// Codes that mean the TLS handshake, the certificate checks or STARTTLS failed.
    static let tlsCodes: Set<UInt32> = [
        CURLE_SSL_CONNECT_ERROR, CURLE_SSL_ENGINE_NOTFOUND, CURLE_SSL_ENGINE_SETFAILED, CURLE_SSL_CERTPROBLEM,
        CURLE_SSL_CIPHER, CURLE_PEER_FAILED_VERIFICATION, CURLE_USE_SSL_FAILED, CURLE_SSL_ENGINE_INITFAILED,
        CURLE_SSL_CACERT_BADFILE, CURLE_SSL_SHUTDOWN_FAILED, CURLE_SSL_CRL_BADFILE, CURLE_SSL_ISSUER_ERROR,
        CURLE_SSL_PINNEDPUBKEYNOTMATCH, CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT,
    ].reduce(into: Set<UInt32>()) { $0.insert($1.rawValue) }

    /// The text libcurl wrote into a transfer's error buffer.
    static func text(of buffer: UnsafeMutablePointer<CChar>) -> String {
        String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
