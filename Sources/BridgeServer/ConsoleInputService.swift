import BridgeChat
import BridgeCore
import Foundation
import ServiceLifecycle

/// The console chat inside `serve`: reads commands from stdin on a dedicated thread (never blocking the
/// cooperative pool), answers on stdout; posts are printed by the dispatcher's console sink.
public struct ConsoleInputService: Service {
    public let service: IncidentService
    public let user: String

    public init(service: IncidentService, user: String) {
        self.service = service
        self.user = user
    }

    static func lines() -> AsyncStream<BoundedLineReader.Item> {
        AsyncStream { continuation in
            let thread = Thread {
                var reader = BoundedLineReader()
                while let item = reader.next() { continuation.yield(item) }
                continuation.finish()
            }
            thread.name = "console-stdin"
            thread.start()
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            for await item in Self.lines() {
                guard case .line(let line) = item else {
                    ConsoleOutput.write("! " + ConsoleChat.tooLong(item))
                    continue
                }
                let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
                let outcome = await service.handle(
                    ChatCommand(platform: ConsolePlatform.id, channel: ConsolePlatform.id, user: user, text: trimmed)
                )
                ConsoleOutput.write(outcome.ok ? outcome.reply : "! " + outcome.reply)
            }
            // End of input: keep serving until shut down.
            while !Task.isCancelled { try? await Task.sleep(nanoseconds: 3_600_000_000_000) }
        }
    }
}
