import BridgeCore
@testable import BridgeTesting
import Foundation
import Testing

@testable import BridgeTransport

/// The RFC 5322 builder, and `CurlMailer` against a real aiosmtpd writing a Maildir.
@Suite(.serialized)
struct CurlMailerTests {
    static let date = Date(timeIntervalSince1970: 1_795_000_000)  // Wed, 18 Nov 2026 11:06:40 UTC

    static func text(_ message: MailMessage, timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> String {
        String(decoding: CurlMailer.buildMessage(message, date: date, timeZone: timeZone), as: UTF8.self)
    }

    /// Header fields (unfolded) and the body of a CRLF message.
    static func parse(_ text: String) -> (fields: [(String, String)], body: String) {
        let parts = text.components(separatedBy: "\r\n\r\n")
        var fields: [(String, String)] = []
        for line in parts[0].components(separatedBy: "\r\n") {
            if line.hasPrefix(" ") || line.hasPrefix("\t"), var last = fields.popLast() {
                last.1 += line
                fields.append(last)
            } else if let colon = line.firstIndex(of: ":") {
                let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                fields.append((String(line[..<colon]), value))
            }
        }
        return (fields, parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    static func field(_ text: String, _ name: String) -> String? {
        parse(text).fields.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1
    }

    /// Decodes a header value made of `=?UTF-8?B?...?=` words separated by folding white space.
    static func decodeWords(_ value: String) -> String? {
        var bytes = Data()
        for word in value.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }) {
            guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?="),
                let data = Data(base64Encoded: String(word.dropFirst(10).dropLast(2))),
                String(data: data, encoding: .utf8) != nil  // every word holds whole characters
            else { return nil }
            bytes.append(data)
        }
        return String(data: bytes, encoding: .utf8)
    }

    static func assertCRLFOnly(_ text: String) {
        let bytes = Array(text.utf8)
        for (index, byte) in bytes.enumerated() {
            if byte == 0x0A { #expect(index > 0 && bytes[index - 1] == 0x0D, "bare LF at \(index)") }
            if byte == 0x0D { #expect(index + 1 < bytes.count && bytes[index + 1] == 0x0A, "bare CR at \(index)") }
        }
        #expect(text.hasSuffix("\r\n"))
    }

    @Test func japaneseSubjectBecomesEncodedWordsThatDecodeBack() throws {
        let body =
            "注文DBに接続できません。\n影響: 全注文\n\n"
            + "ブリッジ: https://meet.example.com/inc\n"
        let message = MailMessage(
            from: "Incident Bridge <bot@example.com>",
            to: ["oncall@example.com", "山田 太郎 <yamada@example.com>"],
            subject: "「注文DB障害」",
            body: body,
            messageID: "INC-20261126-001.42@example.com"
        )
        let text = Self.text(message)
        Self.assertCRLFOnly(text)

        let subject = try #require(Self.field(text, "Subject"))
        #expect(subject.hasPrefix("=?UTF-8?B?"))
        #expect(Self.decodeWords(subject) == "「注文DB障害」")
        #expect(Self.field(text, "Date") == "Wed, 18 Nov 2026 11:06:40 +0000")
        #expect(Self.field(text, "From") == "Incident Bridge <bot@example.com>")
        let to = try #require(Self.field(text, "To"))
        #expect(to.hasPrefix("oncall@example.com, =?UTF-8?B?"))
        #expect(to.hasSuffix(" <yamada@example.com>"))
        let name = to.dropFirst("oncall@example.com, ".count).dropLast(" <yamada@example.com>".count)
        #expect(Self.decodeWords(String(name)) == "山田 太郎")
        #expect(Self.field(text, "Message-ID") == "<INC-20261126-001.42@example.com>")
        #expect(Self.field(text, "MIME-Version") == "1.0")
        #expect(Self.field(text, "Content-Type") == "text/plain; charset=UTF-8")
        #expect(Self.field(text, "Content-Transfer-Encoding") == "base64")

        let encodedBody = Self.parse(text).body
        let lines = encodedBody.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(lines.dropLast().allSatisfy { $0.count == 76 })
        #expect(lines.allSatisfy { $0.count <= 76 })
        let decoded = try #require(Data(base64Encoded: lines.joined()))
        // Text bodies travel in canonical form: CRLF line ends.
        #expect(String(data: decoded, encoding: .utf8) == body.replacingOccurrences(of: "\n", with: "\r\n"))
        for line in text.components(separatedBy: "\r\n") { #expect(line.count <= 78, "long line: \(line)") }
    }

    @Test func longSubjectSplitsIntoWordsOfAtMost75Characters() throws {
        let subject =
            "【sev1】注文DB障害: 全店舗で注文確定ができない状態が継続中🧑‍💻👨‍👩‍👧‍👦 "
            + "復旧見込みは未定、次回更新は15分後です。"
            + String(repeating: "続報", count: 20)
        let text = Self.text(MailMessage(from: "bot@example.com", to: ["a@example.com"], subject: subject, body: ""))
        Self.assertCRLFOnly(text)
        let headerLines = text.components(separatedBy: "\r\n\r\n")[0].components(separatedBy: "\r\n")
        let start = try #require(headerLines.firstIndex { $0.hasPrefix("Subject: ") })
        var subjectLines = [headerLines[start]]
        for line in headerLines[(start + 1)...] {
            guard line.hasPrefix(" ") else { break }
            subjectLines.append(line)
        }
        #expect(subjectLines.count > 3)
        for line in subjectLines {
            #expect(line.count <= 76, "line over 76: \(line)")
            let word = line.hasPrefix("Subject: ") ? String(line.dropFirst(9)) : String(line.dropFirst())
            #expect(word.count <= 75)
            #expect(Self.decodeWords(word) != nil, "word does not hold whole characters: \(word)")
        }
        #expect(Self.decodeWords(try #require(Self.field(text, "Subject"))) == subject)
    }

    @Test func asciiSubjectStaysPlainAndInjectionIsNeutralised() throws {
        let plain = Self.text(
            MailMessage(
                from: "bot@example.com",
                to: ["a@example.com"],
                subject: "INC-20261126-001 DB outage",
                body: "x"
            )
        )
        #expect(Self.field(plain, "Subject") == "INC-20261126-001 DB outage")
        #expect(Self.field(plain, "From") == "bot@example.com")
        // A generated Message-ID lives in the sender's domain.
        let id = try #require(Self.field(plain, "Message-ID"))
        #expect(id.hasPrefix("<") && id.hasSuffix("@example.com>"))

        let evil = Self.text(
            MailMessage(
                from: "bot@example.com",
                to: ["a@example.com"],
                subject: "x\r\nBcc: victim@example.com",
                body: "x"
            )
        )
        #expect(!Self.parse(evil).fields.contains { $0.0 == "Bcc" })
        #expect(Self.field(evil, "Subject") == "x  Bcc: victim@example.com")
        // Something that looks like an encoded-word is encoded so it is read literally.
        let tricky = Self.text(MailMessage(from: "b@x.org", to: ["a@x.org"], subject: "=?UTF-8?B?AAAA?=", body: ""))
        #expect(Self.decodeWords(try #require(Self.field(tricky, "Subject"))) == "=?UTF-8?B?AAAA?=")
    }

    @Test func dateIsRFC5322InAnyTimeZoneAndLocale() {
        #expect(
            RFC5322.date(Self.date, timeZone: TimeZone(identifier: "Asia/Tokyo")!)
                == "Wed, 18 Nov 2026 20:06:40 +0900"
        )
        #expect(
            RFC5322.date(Self.date, timeZone: TimeZone(identifier: "America/St_Johns")!)
                == "Wed, 18 Nov 2026 07:36:40 -0330"
        )
        #expect(
            RFC5322.date(Date(timeIntervalSince1970: 0), timeZone: TimeZone(identifier: "UTC")!)
                == "Thu, 01 Jan 1970 00:00:00 +0000"
        )
    }

    @Test func addressesAreQuotedOrEncoded() {
        #expect(RFC5322.mailbox("Ops, Tokyo <ops@example.com>") == #""Ops, Tokyo" <ops@example.com>"#)
        #expect(RFC5322.mailbox("\"Already Quoted\" <q@example.com>") == "Already Quoted <q@example.com>")
        #expect(RFC5322.mailbox("<bare@example.com>") == "<bare@example.com>")
        #expect(RFC5322.addrSpec("運用チーム <ops@example.com>") == "ops@example.com")
        let many = (1...6).map { "person\($0)@example.com" }
        let field = RFC5322.addressField("To", many)
        #expect(field.contains(",\r\n "))
        #expect(field.components(separatedBy: "\r\n").allSatisfy { $0.count <= 78 })
    }

    // MARK: - against aiosmtpd

    /// The project's `.peers-venv` python when it can import aiosmtpd (`make test` installs it); nil fails the
    /// tests that need it.
    static let smtpPython: String? = {
        let venv = PeerProcess.repoRoot.appendingPathComponent(".peers-venv/bin/python").path
        let candidates = [venv]
        for python in candidates where FileManager.default.isExecutableFile(atPath: python) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: python)
            process.arguments = ["-c", "import aiosmtpd"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            guard (try? process.run()) != nil else { continue }
            process.waitUntilExit()
            if process.terminationStatus == 0 { return python }
        }
        return nil
    }()

    static func startSMTP(_ dir: TempDir) async throws -> (PeerProcess, URL) {
        let python = try #require(smtpPython, "aiosmtpd is missing from .peers-venv: run `make peers`")
        let maildir = dir.file("maildir")
        let port = try Ports.free()
        let peer = try await PeerProcess.startListening(
            python: python,
            module: "aiosmtpd",
            arguments: ["-n", "-l", "127.0.0.1:\(port)", "-c", "aiosmtpd.handlers.Mailbox", maildir.path],
            port: port,
            in: dir.url,
            name: "aiosmtpd"
        )
        return (peer, maildir)
    }

    static let readMaildir = """
        import json, mailbox, sys
        from email.header import decode_header, make_header
        out = []
        for key, msg in mailbox.Maildir(sys.argv[1], create=False).items():
            out.append({
                "subject": str(make_header(decode_header(msg["Subject"]))),
                "from": msg["From"], "to": str(make_header(decode_header(msg["To"]))),
                "rcpt": msg["X-RcptTo"], "mailfrom": msg["X-MailFrom"], "message_id": msg["Message-ID"],
                "date": msg["Date"], "content_type": msg.get_content_type(), "charset": msg.get_content_charset(),
                "body": msg.get_payload(decode=True).decode("utf-8"),
            })
        print(json.dumps(out))
        """

    @Test
    func sendsMailThatAiosmtpdStores() async throws {
        let dir = try TempDir()
        let (smtp, maildir) = try await Self.startSMTP(dir)
        defer { smtp.stop() }
        let mailer = CurlMailer(
            smtpURL: "smtp://127.0.0.1:\(smtp.port)",
            startTLS: false,
            timeout: 10,
            now: { Self.date }
        )
        let body = "INC-20261126-001 を宣言しました。\n責任者 (A): 佐藤\n. 行頭のドット\n"
        try await mailer.send(
            MailMessage(
                from: "インシデント窓口 <bot@example.com>",
                to: ["oncall@example.com", "山田 太郎 <yamada@example.com>"],
                subject: "「注文DB障害」 sev1 宣言",
                body: body,
                messageID: "inc-1@example.com"
            )
        )

        let script = dir.file("read_maildir.py")
        try Self.readMaildir.write(to: script, atomically: true, encoding: .utf8)
        let output = try runProgram(try #require(Self.smtpPython), [script.path, maildir.path], in: dir.url)
        struct Stored: Decodable {
            var subject, from, to, rcpt, mailfrom, message_id, date, content_type, charset, body: String
        }
        let stored = try JSONDecoder().decode([Stored].self, from: Data(output.utf8))
        #expect(stored.count == 1)
        let mail = try #require(stored.first)
        #expect(mail.subject == "「注文DB障害」 sev1 宣言")
        #expect(mail.mailfrom == "bot@example.com")
        #expect(mail.rcpt == "oncall@example.com, yamada@example.com")
        #expect(mail.to == "oncall@example.com, 山田 太郎 <yamada@example.com>")
        #expect(mail.message_id == "<inc-1@example.com>")
        #expect(mail.date == "Wed, 18 Nov 2026 11:06:40 +0000")
        #expect(mail.content_type == "text/plain")
        #expect(mail.charset == "utf-8")
        #expect(mail.body == body.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test func requiredStartTLSFailsWithTLSErrorWhenServerLacksIt() async throws {
        let dir = try TempDir()
        let (smtp, _) = try await Self.startSMTP(dir)
        defer { smtp.stop() }
        let mailer = CurlMailer(smtpURL: "smtp://127.0.0.1:\(smtp.port)", startTLS: true, password: "hunter2")
        do {
            try await mailer.send(MailMessage(from: "bot@example.com", to: ["a@example.com"], subject: "s", body: "b"))
            Issue.record("expected a TLS error")
        } catch let error as TransportError {
            guard case .tls = error else {
                Issue.record("expected .tls, got \(error)")
                return
            }
            #expect(!error.description.contains("hunter2"))
        }
    }

    @Test func refusedConnectionAndBadInputAreTransportErrors() async throws {
        let port = try Ports.free()
        let mailer = CurlMailer(smtpURL: "smtp://127.0.0.1:\(port)", startTLS: false)
        let message = MailMessage(from: "bot@example.com", to: ["a@example.com"], subject: "s", body: "b")
        do {
            try await mailer.send(message)
            Issue.record("expected an error")
        } catch let error as TransportError {
            guard case .connect = error else {
                Issue.record("expected .connect, got \(error)")
                return
            }
        }
        await #expect(throws: TransportError.invalidRequest("no recipients")) {
            var noRecipients = message
            noRecipients.to = []
            try await mailer.send(noRecipients)
        }
        await #expect(throws: TransportError.self) {
            var injected = message
            injected.to = ["a@example.com>\r\nRCPT TO:<b@example.com"]
            try await mailer.send(injected)
        }
        let http = CurlMailer(smtpURL: "http://127.0.0.1:\(port)", startTLS: false)
        await #expect(throws: TransportError.self) { try await http.send(message) }
    }
}
