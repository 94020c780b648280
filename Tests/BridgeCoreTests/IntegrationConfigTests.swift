import BridgeTestSupport
import BridgeChat
import BridgeConfig
import BridgeCore
import BridgePaging
import Foundation
import Testing

/// `chat`, `paging` and `alerts` are read once at load through their registries: a key an integration does not
/// know, or a value of the wrong kind, refuses the file naming the file, the key path and the line.
@Suite struct IntegrationConfigTests {
    static func yaml(_ extra: String) -> String { ConfigLoaderTests.base + "\n" + extra }

    static func error(_ yaml: String, file: String = "Examples/x.yaml") -> String? {
        do {
            _ = try ConfigLoader.load(yaml: yaml, file: file)
            return nil
        } catch {
            return "\(error)"
        }
    }

    /// The line of `needle` in `text`, counted from 1.
    static func line(of needle: String, in text: String) -> Int {
        (text.components(separatedBy: "\n").firstIndex { $0.contains(needle) } ?? -1) + 1
    }

    @Test func aTypoUnderChatIsRefusedWithFileKeyAndLine() throws {
        let text = Self.yaml("chat:\n  slack:\n    bot_token_env: SLACK_BOT_TOKEN\n    chanel: C0INC\n")
        let message = try #require(Self.error(text))
        let line = Self.line(of: "chanel:", in: text)
        #expect(message.hasPrefix("Examples/x.yaml: chat.slack.chanel (line \(line)): unknown key (allowed: "))
        #expect(message.contains("channel"))
    }

    @Test func aTypoUnderPagingIsRefusedWithFileKeyAndLine() throws {
        let text = Self.yaml("paging:\n  email:\n    smtp_url: smtps://mail.example.com\n    form: bot@example.com\n")
        let message = try #require(Self.error(text))
        let line = Self.line(of: "form:", in: text)
        #expect(message.hasPrefix("Examples/x.yaml: paging.email.form (line \(line)): unknown key (allowed: "))
    }

    @Test func aTypoUnderAlertsIsRefusedWithFileKeyAndLine() throws {
        let text = Self.yaml("alerts:\n  alertmanager:\n    tokn_env: AM_TOKEN\n")
        let message = try #require(Self.error(text))
        let line = Self.line(of: "tokn_env:", in: text)
        #expect(message.hasPrefix("Examples/x.yaml: alerts.alertmanager.tokn_env (line \(line)): unknown key (allowed: "))
    }

    /// The Matrix bot acts only in listed rooms: its entry in the registry refuses a section without them at load.
    @Test func aMatrixSectionWithoutRoomsIsRefusedWithItsLine() throws {
        let text = Self.yaml("chat:\n  matrix:\n    homeserver: https://matrix.example.org\n")
        let message = try #require(Self.error(text))
        #expect(message.contains("chat.matrix.rooms (line \(Self.line(of: "homeserver:", in: text))): required: the bot acts only in listed rooms"), "\(message)")
        #expect(Self.error(Self.yaml("chat:\n  matrix:\n    homeserver: https://matrix.example.org\n    rooms: \"!a:b\"\n")) == nil)
    }

    @Test func anUnknownPlatformOrPagerIsRefused() throws {
        let chat = try #require(Self.error(Self.yaml("chat:\n  slak: {channel: C1}\n")))
        #expect(chat.contains("chat.slak (line "))
        let paging = try #require(Self.error(Self.yaml("paging:\n  pagerduti: {}\n")))
        #expect(paging.contains("paging.pagerduti (line "))
    }

    @Test func aURLMustBeAbsolute() throws {
        let text = Self.yaml("chat:\n  slack:\n    api_base: slack.com/api\n")
        let message = try #require(Self.error(text))
        #expect(message.contains("chat.slack.api_base (line \(Self.line(of: "api_base:", in: text))): expected an absolute URL"))
    }

    /// `yes`, `"true"`, `1` and `on` mean yes, `no`, `"false"`, `0` and `off` mean no, wherever a yes/no is read
    /// (a platform's flag, the console switch, the alert door); anything else is refused with its line.
    @Test func yesNoIsReadOneWayEverywhere() throws {
        for (word, expected) in [("yes", true), ("\"true\"", true), ("1", true), ("On", true), ("no", false), ("\"false\"", false), ("0", false), ("off", false)] {
            let c = try ConfigLoader.load(
                yaml: Self.yaml(
                    """
                    chat:
                      console: {enabled: \(word)}
                      slack: {socket_mode: \(word)}
                    alerts:
                      alertmanager: {allow_unauthenticated: \(word)}
                    http: {public_pages: \(word)}
                    """
                )
            )
            #expect(c.chat.consoleEnabled == expected, "\(word)")
            #expect(YesNo.value(c.chat.platforms["slack"]?["socket_mode"]) == expected, "\(word)")
            #expect(c.alertsAllowUnauthenticated == expected, "\(word)")
            #expect(c.http.publicPages == expected, "\(word)")
        }
        let text = Self.yaml("chat:\n  console: {enabled: maybe}\n")
        let message = try #require(Self.error(text))
        #expect(message.contains("chat.console.enabled (line \(Self.line(of: "maybe", in: text))): expected true or false, got 'maybe'"))
    }

    /// `check` and `serve` refuse the typo with exit 2 and the same line.
    @Test func theCLIExitsTwoOnATypo() throws {
        let dir = Fixtures.tempDir()
        let text = try String(contentsOfFile: Fixtures.path("Examples/bridge.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "chat:\n  console: {enabled: true}\n", with: "chat:\n  console: {enabled: true}\n  slack:\n    chanel: C0INC\n")
        #expect(text.contains("chanel"))
        try text.write(toFile: dir + "/x.yaml", atomically: true, encoding: .utf8)
        let line = Self.line(of: "chanel:", in: text)
        for args in [["check", "--config", dir + "/x.yaml"], ["serve", "--config", dir + "/x.yaml", "--db", dir + "/db.sqlite"]] {
            let r = try CLI.run(args)
            #expect(r.status == 2, "\(args[0])")
            #expect(r.stderr.contains("x.yaml: chat.slack.chanel (line \(line)): unknown key (allowed: "), "\(args[0]): \(r.stderr)")
        }
    }
}
