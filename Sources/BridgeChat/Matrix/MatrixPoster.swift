import BridgeCore
import Foundation

/// Matrix client-server API helpers shared by the poster and the poller.
public enum MatrixAPI {
    /// Percent-encodes a path segment (room ids like `!abc:server`, or without a server part).
    public static func segment(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// Seconds to wait from a 429: `Retry-After`, else `retry_after_ms` in the body; clamped to 0 s-1 h.
    public static func retryAfter(_ r: HTTPResponse) -> TimeInterval? {
        if let h = r.retryAfter { return h }
        let json = (try? JSONSerialization.jsonObject(with: r.body)) as? [String: Any]
        return Bounds.retryAfter((json?["retry_after_ms"] as? NSNumber).map { $0.doubleValue / 1000 })
    }

    /// `&`, `<`, `>`, `"` as entities on the UTF-8 bytes (`replacingOccurrences` left `<` before a combining mark).
    static let escapeHTML = ByteEscaper(["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"])

    /// The HTML of a text: escaped, line breaks as `<br/>`.
    static let htmlLines = ByteEscaper(["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "\n": "<br/>"])
}

/// Sends outbox rows to Matrix rooms: `PUT /rooms/{roomId}/send/m.room.message/{txnId}` with the outbox row's id
/// and creation time (ms) as the transaction id: a retried send is not a second message (exactly once per access
/// token), and a database restored from a backup, whose row ids start again, never reuses a transaction id of a
/// message sent after the backup. Plain body plus HTML with matrix.to pills.
public struct MatrixPoster: ChatPoster {
    public let platform = "matrix"

    /// `incident-bridge-<row id>-<created at, ms>`.
    public static func transactionID(_ message: OutboxMessage) -> String {
        "incident-bridge-\(message.deliveryKey)"
    }
    public let homeserver: String
    public let token: String
    public let people: [String: BridgeConfiguration.Person]
    public let transport: any HTTPTransport

    public init(
        homeserver: String,
        token: String,
        people: [String: BridgeConfiguration.Person],
        transport: any HTTPTransport
    ) {
        self.homeserver = homeserver.hasSuffix("/") ? String(homeserver.dropLast()) : homeserver
        self.token = token
        self.people = people
        self.transport = transport
    }

    /// Whether `text` makes an event Matrix takes: an event is at most 64 KiB of JSON and carries the text twice,
    /// plain and as HTML (entities make `&` five bytes); 56,000 bytes leaves room for pills and the envelope.
    public static func fits(_ text: String) -> Bool {
        if text.utf8.count > 28_000 { return false }
        return JSONText.encodedSize(text) + JSONText.encodedSize(MatrixAPI.htmlLines(text)) <= 56_000
    }

    /// The event content: the text as rendered for Matrix (`Name (@id)` mentions) and its HTML with pills.
    public func content(for message: OutboxMessage) -> [String: Any] {
        let text = Truncation.cut(message.text, fits: Self.fits)
        var html = MatrixAPI.htmlLines(text)
        var userIDs: [String] = []
        for id in message.mentions {
            guard let p = people[id], let mxid = p.handle("matrix") else { continue }
            userIDs.append(mxid)
            let plain = MatrixAPI.escapeHTML("\(p.name) (\(mxid))")
            html = html.replacingOccurrences(
                of: plain,
                with: "<a href=\"https://matrix.to/#/\(mxid)\">\(MatrixAPI.escapeHTML(p.name))</a>"
            )
        }
        return [
            "msgtype": "m.text", "body": text, "format": "org.matrix.custom.html", "formatted_body": html,
            "m.mentions": ["user_ids": userIDs],
        ]
    }

    public func deliver(_ message: OutboxMessage) async throws {
        let txn = Self.transactionID(message)
        let url =
            "\(homeserver)/_matrix/client/v3/rooms/\(MatrixAPI.segment(message.destination.channel))/send/m.room.message/\(txn)"
        let body = try JSONSerialization.data(withJSONObject: content(for: message), options: [.sortedKeys])
        let response: HTTPResponse
        do {
            response = try await transport.send(
                HTTPRequest(
                    method: "PUT",
                    url: url,
                    headers: [
                        ("Content-Type", "application/json"), ("Authorization", "Bearer \(token)"),
                    ],
                    body: body
                )
            )
        } catch {
            throw DeliveryError.retryable("matrix: \(error)", retryAfter: nil)
        }
        if response.status == 429 {
            throw DeliveryError.retryable("matrix: M_LIMIT_EXCEEDED", retryAfter: MatrixAPI.retryAfter(response))
        }
        if response.status >= 500 { throw DeliveryError.retryable("matrix: HTTP \(response.status)", retryAfter: nil) }
        guard (200..<300).contains(response.status) else {
            throw DeliveryError.permanent(
                "matrix: HTTP \(response.status) \(String(decoding: response.body.prefix(200), as: UTF8.self))"
            )
        }
    }
}

extension MatrixDialect {
    /// The event size Matrix takes: the renderer cuts person or alert text to it.
    public func fits(_ text: String, kind: PostKind) -> Bool { MatrixPoster.fits(text) }
}
