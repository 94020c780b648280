import BridgeCore
import Foundation

/// Email pages over SMTP (libcurl): one message per paged person, UTF-8 subject and body.
public struct EmailPager: Pager {
    public let destination = "email"
    public let mailer: any Mailer
    public let from: String
    public init(mailer: any Mailer, from: String) {
        self.mailer = mailer
        self.from = from
    }

    public func page(_ message: OutboxMessage) async throws {
        let body = try PagerHTTP.object(message.text)
        guard let to = body["to"] as? String, let subject = body["subject"] as? String,
            let text = body["body"] as? String
        else {
            throw DeliveryError.permanent("malformed email page row")
        }
        do {
            try await mailer.send(
                MailMessage(
                    from: from,
                    to: [to],
                    subject: subject,
                    body: text,
                    messageID: "<page-\(message.deliveryKey)@incident-bridge>"
                )
            )
        } catch let e as TransportError {
            if case .invalidRequest = e { throw DeliveryError.permanent("smtp: \(e)") }
            throw DeliveryError.retryable("smtp: \(e)", retryAfter: nil)
        }
    }
}
