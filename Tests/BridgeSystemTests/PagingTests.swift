import BridgeTestSupport
import BridgeCore
import BridgeServer
import BridgeStore
import BridgeTransport
import BridgeTesting
import Foundation
import Logging
import Testing
import BridgePaging
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

/// Pages over libcurl to a PagerDuty-format sink and to a real SMTP server (aiosmtpd).
@Suite(.serialized) struct PagingTests {
    final class SMTPServer {
        let process = Process()
        let port = Peers.freePort()
        let maildir = Fixtures.tempDir() + "/mail"
        init() throws {
            process.executableURL = URL(fileURLWithPath: Peers.python)
            process.arguments = [
                "-m", "aiosmtpd", "-n", "-l", "127.0.0.1:\(port)", "-c", "aiosmtpd.handlers.Mailbox", maildir,
            ]
            process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
            try process.run()
            for _ in 0..<100 where !Sink.canConnect(port) { Thread.sleep(forTimeInterval: 0.05) }
        }
        /// Subjects (decoded) and recipients of the stored messages.
        func messages() throws -> [[String: String]] {
            let script = """
                import mailbox, json, sys
                from email.header import decode_header, make_header
                out = []
                for m in mailbox.Maildir(sys.argv[1], create=False):
                    out.append({"subject": str(make_header(decode_header(m["Subject"]))), "to": m["To"],
                                "body": m.get_payload(decode=True).decode("utf-8")})
                print(json.dumps(out))
                """
            let r = try Peers.run(Peers.python, ["-c", script, maildir])
            return (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: String]]) ?? []
        }
        func stop() {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    @Test func sev1PagesPagerDutyAndEmailAckPropagates() async throws {
        let sink = try Sink(status: 202, body: #"{"status":"success","message":"Event processed"}"#)
        defer { sink.stop() }
        let smtp = try SMTPServer()
        defer { smtp.stop() }
        var config = try Fixtures.config("Examples/bridge.yaml")
        config.paging.channels["pagerduty"] = ["api_base": sink.url]
        config.paging.channels["email"] = [
            "smtp_url": "smtp://127.0.0.1:\(smtp.port)", "from": "incident-bridge@example.com",
        ]
        config.chat.consoleEnabled = false
        let settings = try PlatformSettings(config: config, environment: Fixtures.secrets(["PAGERDUTY_ROUTING_KEY": "R0UTINGKEY"]))
        let parts = try BridgeServer.parts(
            config: config,
            dbPath: Fixtures.tempDir() + "/p.sqlite",
            clock: ManualClock(),  // who is on call depends on the moment: a fixed one
            settings: settings,
            transport: CurlTransport(timeout: 5),
            templates: Fixtures.path("Templates"),
            logger: Logger(label: "test")
        )
        let task = Task { try await parts.dispatcher.run() }
        defer { task.cancel() }
        let declared = await parts.environment.run("/incident declare db-outage sev1 注文DBに接続できない")
        let id = try #require(declared.incidentID)
        func events() -> [[String: Any]] {
            sink.requests.compactMap {
                try? JSONSerialization.jsonObject(with: Data(($0["body"] as! String).utf8)) as? [String: Any]
            }
        }
        var end = Date().addingTimeInterval(15)
        while Date() < end {
            if !events().isEmpty, try smtp.messages().count >= 2 { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        let trigger = try #require(events().first)
        #expect(trigger["event_action"] as? String == "trigger")
        #expect(trigger["dedup_key"] as? String == id.rawValue)
        #expect(trigger["routing_key"] as? String == "R0UTINGKEY")
        #expect((trigger["payload"] as? [String: Any])?["severity"] as? String == "critical")
        #expect(sink.requests.first?["path"] as? String == "/v2/enqueue")
        let mails = try smtp.messages()
        #expect(mails.count == 1)  // the first escalation step: the ops lead on call then (Thursday 10:00: the day lead)
        #expect(mails.allSatisfy { $0["subject"]?.contains("【障害呼出し】\(id)") == true })
        #expect(Set(mails.compactMap { $0["to"] }) == ["suzuki@example.com"])
        #expect(mails.first?["body"]?.contains("注文DBに接続できない") == true)

        _ = await parts.environment.run("/incident ack", as: "takahashi")
        end = Date().addingTimeInterval(10)
        while Date() < end, events().count < 2 { try await Task.sleep(nanoseconds: 100_000_000) }
        #expect(events().count == 2)
        #expect(events().last?["event_action"] as? String == "acknowledge")
        #expect(events().last?["dedup_key"] as? String == id.rawValue)
        // The delivery entry is written just after the sink answers: wait for it.
        var delivered: [TimelineEntry] = []
        end = Date().addingTimeInterval(10)
        while Date() < end {
            delivered = try await parts.environment.store.read { try $0.timeline(id) }
                .filter { $0.kind == .delivery && $0.text.hasSuffix("送信済み") }  // "delivered", in the config's language
            if delivered.count >= 3 { break }
            try await Task.sleep(nanoseconds: 100_000_000)
        }
        #expect(delivered.count == 3)  // PagerDuty trigger, the e-mail, PagerDuty acknowledge
    }
}
