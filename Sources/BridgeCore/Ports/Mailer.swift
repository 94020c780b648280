import Foundation

/// A plain-text e-mail for a `Mailer`.
public struct MailMessage: Sendable, Equatable {
    /// Sender: `addr@example.com` or `Display Name <addr@example.com>` (the name may be non-ASCII).
    public var from: String
    /// Recipients, each in the same forms as `from`; all of them go into the `To` header and the envelope.
    public var to: [String]
    /// Subject, any Unicode; non-ASCII text is sent as RFC 2047 encoded-words.
    public var subject: String
    /// Body text, any Unicode; sent as UTF-8, base64, with CRLF line ends.
    public var body: String
    /// `Message-ID` (with or without the angle brackets); nil makes one up.
    public var messageID: String?

    /// Makes a message.
    public init(from: String, to: [String], subject: String, body: String, messageID: String? = nil) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.messageID = messageID
    }
}

/// Sends e-mail (SMTP over libcurl in BridgeTransport); throws `TransportError` when the server refused or
/// could not be reached.
public protocol Mailer: Sendable {
    func send(_ message: MailMessage) async throws
}
