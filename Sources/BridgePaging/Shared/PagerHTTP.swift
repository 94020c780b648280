import BridgeCore
import Foundation

/// Shared mapping of HTTP answers to delivery outcomes for pager APIs.
enum PagerHTTP {
    static func send(_ transport: any HTTPTransport, _ request: HTTPRequest, service: String) async throws {
        _ = try await transport.deliver(request, service: service)
    }

    static func object(_ text: String) throws -> [String: Any] {
        guard let o = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw DeliveryError.permanent("malformed page row")
        }
        return o
    }
}
