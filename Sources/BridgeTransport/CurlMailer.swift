import BridgeCore
import CCurl
import Foundation

/// Sends plain-text mail over SMTP with the system libcurl.
///
/// - `smtpURL`: `smtp://host:587` (plain, or STARTTLS when `startTLS`) or `smtps://host:465` (implicit TLS).
///   A path names the EHLO domain (`smtp://host:25/bot.example.com`).
/// - `startTLS`: require STARTTLS (`CURLUSESSL_ALL`): the send fails with `.tls` when the server lacks it.
/// - TLS peers are verified; the credentials are used only for SMTP AUTH and never appear in errors.
/// - Like `CurlTransport`, transfers run on a small pool of dedicated threads, never on the cooperative pool;
///   cancelling the calling task aborts the transfer within about a second (the message may have been sent).
/// - Proxies: libcurl reads `all_proxy`/`ALL_PROXY` and `no_proxy`/`NO_PROXY` for SMTP.
public final class CurlMailer: Mailer {
    /// The server, e.g. `smtp://mail.example.com:587` or `smtps://mail.example.com:465`.
    public let smtpURL: String
    /// Whether STARTTLS is required on an `smtp://` URL.
    public let startTLS: Bool
    /// Seconds allowed to connect (TCP and TLS).
    public let connectTimeout: TimeInterval
    /// Seconds allowed for the whole session.
    public let timeout: TimeInterval
    private let username: String?
    private let password: String?
    private let timeZone: TimeZone
    private let now: @Sendable () -> Date
    private let pool: CurlWorkerPool

    /// Makes a mailer. `timeZone` is used for the `Date` header; `now` gives the time (tests inject it).
    public init(
        smtpURL: String,
        startTLS: Bool,
        username: String? = nil,
        password: String? = nil,
        connectTimeout: TimeInterval = 5,
        timeout: TimeInterval = 30,
        workers: Int = 2,
        timeZone: TimeZone = TimeZone(identifier: "UTC")!,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        precondition(connectTimeout > 0 && timeout > 0 && workers > 0)
        self.smtpURL = smtpURL
        self.startTLS = startTLS
        self.username = username
        self.password = password
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.timeZone = timeZone
        self.now = now
        self.pool = CurlWorkerPool(size: workers, name: "curl-smtp")
    }

    deinit {
        pool.shutdown()
    }

    /// Sends `message` to all its recipients; throws `TransportError` when the server does not accept it.
    public func send(_ message: MailMessage) async throws {
        let sender = RFC5322.addrSpec(message.from)
        let recipients = message.to.map(RFC5322.addrSpec)
        guard Self.isPlausibleAddress(sender) else { throw TransportError.invalidRequest("bad sender address") }
        guard !recipients.isEmpty else { throw TransportError.invalidRequest("no recipients") }
        guard recipients.allSatisfy(Self.isPlausibleAddress) else {
            throw TransportError.invalidRequest("bad recipient address")
        }
        let data = Self.buildMessage(message, date: now(), timeZone: timeZone)
        let session = Session(
            url: smtpURL,
            startTLS: startTLS,
            username: username,
            password: password,
            connectTimeout: connectTimeout,
            timeout: timeout
        )
        try await pool.run { handle, cancel in
            try Self.perform(
                session,
                sender: sender,
                recipients: recipients,
                data: data,
                handle: handle,
                cancel: cancel
            )
        }
    }

    /// The complete RFC 5322 message (CRLF line ends) that `send` uploads: `Date` (English names, in
    /// `timeZone`), `From`, `To`, `Subject` (RFC 2047 `=?UTF-8?B?...?=` words of at most 75 characters when
    /// non-ASCII), `Message-ID` (the message's, or a new one), `MIME-Version: 1.0`,
    /// `Content-Type: text/plain; charset=UTF-8`, `Content-Transfer-Encoding: base64`, then the body in
    /// base64 lines of 76 characters.
    public static func buildMessage(
        _ message: MailMessage,
        date: Date,
        timeZone: TimeZone = TimeZone(identifier: "UTC")!
    ) -> Data {
        let crlf = RFC5322.crlf
        let fields = [
            "Date: " + RFC5322.date(date, timeZone: timeZone),
            RFC5322.addressField("From", [message.from]),
            RFC5322.addressField("To", message.to),
            RFC5322.unstructuredField("Subject", message.subject),
            "Message-ID: " + RFC5322.messageID(message.messageID, from: message.from),
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: base64",
        ]
        let text = fields.joined(separator: crlf) + crlf + crlf + RFC5322.base64Body(message.body)
        return Data(text.utf8)
    }

    /// An envelope address libcurl can send: non-empty, no spaces, brackets or control characters.
    static func isPlausibleAddress(_ address: String) -> Bool {
        !address.isEmpty
            && !address.unicodeScalars.contains {
                $0.value <= 0x20 || $0.value == 0x7F || $0 == "<" || $0 == ">"
            }
    }

    struct Session: Sendable {
        var url: String
        var startTLS: Bool
        var username: String?
        var password: String?
        var connectTimeout: TimeInterval
        var timeout: TimeInterval
    }

    /// One blocking SMTP session on a worker thread.
    static func perform(
        _ session: Session,
        sender: String,
        recipients: [String],
        data: Data,
        handle: UnsafeMutableRawPointer,
        cancel: CurlCancelFlag
    ) throws {
        var options = CurlOptions(handle)
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        var recipientList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(recipientList) }
        for recipient in recipients {
            guard let appended = curl_slist_append(recipientList, "<\(recipient)>") else {
                throw TransportError.other(code: Int(CURLE_OUT_OF_MEMORY.rawValue), message: "curl_slist_append failed")
            }
            recipientList = appended
        }
        let source = CurlUploadSource(data)
        // SMTP replies are not kept; the sink only bounds what a chatty server could send.
        let sink = CurlResponseSink(maxBodyBytes: 1 << 20)

        options.set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        options.set(CURLOPT_URL, session.url)
        options.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        options.set(CURLOPT_NOSIGNAL, 1)
        options.set(CURLOPT_SSL_VERIFYPEER, 1)
        options.set(CURLOPT_SSL_VERIFYHOST, 2)
        options.set(CURLOPT_CONNECTTIMEOUT_MS, CurlTransport.milliseconds(session.connectTimeout))
        options.set(CURLOPT_TIMEOUT_MS, CurlTransport.milliseconds(session.timeout))
        if session.startTLS { options.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue)) }
        if let username = session.username { options.set(CURLOPT_USERNAME, username) }
        if let password = session.password { options.set(CURLOPT_PASSWORD, password) }
        options.set(CURLOPT_MAIL_FROM, "<\(sender)>")
        options.set(CURLOPT_MAIL_RCPT, list: recipientList)
        options.set(CURLOPT_UPLOAD, 1)
        CurlCallbacks.upload(from: source, options: &options)
        CurlCallbacks.collect(into: sink, options: &options)
        CurlCallbacks.abortWhenCancelled(cancel, options: &options)
        try options.check()

        let code = withExtendedLifetime((source, sink, cancel)) { curl_easy_perform(handle) }
        guard code != CURLE_OK else { return }
        if code == CURLE_ABORTED_BY_CALLBACK && cancel.isCancelled { throw CancellationError() }
        var detail = CurlErrors.text(of: errorBuffer)
        var reply = 0
        if ib_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &reply) == CURLE_OK, reply > 0 {
            detail = detail.isEmpty ? "SMTP \(reply)" : "\(detail) (SMTP \(reply))"
        }
        throw CurlErrors.map(code, detail: detail)
    }
}
