import BridgeTestSupport
import BridgeChat
import BridgeConfig
import BridgeCore
import BridgeServer
import BridgeTesting
import Foundation
import Logging
import Testing

/// A chat platform that exists only in the tests, added through the registry alone (`Integrations` for the
/// loader, `PlatformSettings(chat:)` for `serve`): nothing else in the code knows its id.
struct PigeonPlatform: ChatPlatform {
    let poster: RecordingPoster
    var id: String { "pigeon" }
    var traits: PlatformTraits { .init(id: id, identity: .personKey("pigeon_id"), answersPrivately: false) }
    var dialect: any PlatformDialect { PlainDialect() }
    var settingKeys: [SettingKey] { [.init("loft", required: true)] }
    func destinations(_ s: [String: String]) -> [Destination] { [Destination(platform: id, channel: s["loft"] ?? "")] }
    func posters(_ s: [String: String], start: ChatStart) throws -> [any ChatPoster] { [poster] }
}

@Suite struct RegistryTests {
    static let yaml = ConfigLoaderTests.base.replacingOccurrences(
        of: "suzuki: {name: Suzuki, slack: U2}",
        with: "suzuki: {name: Suzuki, slack: U2, pigeon_id: P-77}"
    ) + "\nchat:\n  console: {enabled: false}\n  pigeon: {loft: roof}\n"

    /// A declare from the test platform is authorized by its person key, answered, and posted to its poster.
    @Test func aPlatformAddedThroughTheRegistryAloneDeclaresPostsAndAnswers() async throws {
        let poster = RecordingPoster(platform: "pigeon")
        let chat = ChatPlatforms.all + [PigeonPlatform(poster: poster)]
        #expect(Self.yaml.contains("pigeon_id: P-77"))
        let config = try ConfigLoader.load(yaml: Self.yaml, integrations: Integrations(chat: chat))
        #expect(config.person(platform: "pigeon", userID: "P-77")?.id == "suzuki")
        let parts = try BridgeServer.parts(
            config: config,
            dbPath: Fixtures.tempDir() + "/pigeon.sqlite",
            clock: ManualClock(),
            settings: try PlatformSettings(config: config, environment: Fixtures.secrets(), chat: chat),
            transport: RecordingTransport(),
            templates: Fixtures.path("Templates"),
            logger: Logger(label: "pigeon")
        )
        let dispatcher = Task { try await parts.dispatcher.run() }
        defer { dispatcher.cancel() }
        let out = await parts.environment.service.handle(
            ChatCommand(platform: "pigeon", channel: "roof", user: "P-77", text: "declare db-outage sev1 Pigeons down")
        )
        #expect(out.ok, "\(out.reply)")
        #expect(out.reply.contains("INC-"))
        let start = Date()
        while !poster.messages.contains(where: { $0.kind == "declare" }), Date().timeIntervalSince(start) < 10 {
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        let posted = poster.messages.first { $0.kind == "declare" }
        #expect(posted?.destination == Destination(platform: "pigeon", channel: "roof"))
        // Nobody else: an id the config does not list is a stranger, refused a change.
        let stranger = await parts.environment.service.handle(
            ChatCommand(platform: "pigeon", channel: "roof", user: "P-00", text: "declare db-outage sev1 x")
        )
        #expect(!stranger.ok)
        // The loader without the entry does not know the section.
        #expect(throws: ConfigError.self) { try ConfigLoader.load(yaml: Self.yaml) }
    }
}
