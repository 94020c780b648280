import BridgeTestSupport
import BridgeChat
import BridgeCore
import BridgeOperatingModel
import BridgeServer
import BridgeTesting
import BridgeTransport
import Foundation
import Hummingbird
import Logging
import Testing

/// The hostile suite's case that needs a real SMTP server (aiosmtpd from the peers venv).
@Suite struct HostileEmailTests {
    /// E-mail pages through a real SMTP server (aiosmtpd): a title with CR LF and header-looking text stays in
    /// the one-line subject; no header is added, nobody else receives it.
    @Test func emailPagesCannotBeGivenHeaders() async throws {
        let smtp = try PagingTests.SMTPServer()
        defer { smtp.stop() }
        var config = try Fixtures.config("Examples/bridge.en.yaml")
        config.chat.consoleEnabled = false
        config.paging.channels = [
            "email": ["smtp_url": "smtp://127.0.0.1:\(smtp.port)", "from": "incident-bridge@example.com"]
        ]
        let parts = try BridgeServer.parts(
            config: config,
            dbPath: Fixtures.tempDir() + "/e.sqlite",
            clock: ManualClock(),
            settings: try PlatformSettings(config: config, environment: Fixtures.secrets()),
            transport: CurlTransport(timeout: 5),
            templates: Fixtures.path("Templates"),
            logger: Logger(label: "email")
        )
        let task = Task { try await parts.dispatcher.run() }
        defer { task.cancel() }
        let out = await parts.environment.run(
            "declare db-outage sev1 DB down\r\nBcc: victim@evil.example\r\n\r\nBridge: +1-555-0100 @channel"
        )
        #expect(out.ok, "\(out.reply)")
        var mails: [[String: String]] = []
        for _ in 0..<200 where mails.isEmpty {
            mails = try smtp.messages()
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        #expect(mails.count == 1)
        // RFC 5322 folding (a line break followed by a space) is how a long subject is written; unfolded, it is
        // one line with the whole title in it, and no header came out of it.
        let subject = (mails.first?["subject"] ?? "").replacingOccurrences(of: "\r\n ", with: " ")
            .replacingOccurrences(of: "\n ", with: " ")
        #expect(subject.contains("DB down Bcc: victim@evil.example Bridge: +1-555-0100"), "\(subject)")
        let oneLine = subject.allSatisfy { !$0.isNewline }
        #expect(oneLine, "\(subject)")
        #expect(mails.first?["to"] == "suzuki@example.com")
        let lines = (mails.first?["body"] ?? "").split(whereSeparator: \.isNewline).map(String.init)
        let fake = lines.filter { $0.hasPrefix("Bridge: +1-555") }
        let real = lines.filter { $0.hasPrefix("Bridge: +81-50-3000-0110") }
        #expect(fake.isEmpty && real.count == 1, "\(lines)")
    }
}
