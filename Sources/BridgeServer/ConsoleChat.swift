import BridgeChat
import BridgeCore
import BridgeStore
import Foundation

/// The console chat: one command a line from stdin, every bot post printed to stdout.
public struct ConsoleChat: Sendable {
    public var environment: BridgeEnvironment
    /// The person the console user acts as (person id, name or handle).
    public var user: String

    public init(environment: BridgeEnvironment, user: String) {
        self.environment = environment
        self.user = user
    }

    /// Handles one line: prints the reply, then every console post the command produced.
    public func handle(line: String) async {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return }
        let command = ChatCommand(platform: ConsolePlatform.id, channel: ConsolePlatform.id, user: user, text: trimmed)
        let outcome = await environment.service.handle(command)
        ConsoleOutput.write(outcome.ok ? outcome.reply : "! " + outcome.reply)
        await flushConsolePosts()
    }

    /// Prints and marks sent every queued console post (the console sink), each taken with a lease first so a
    /// post the dispatcher is printing is not printed twice.
    public func flushConsolePosts() async {
        let store = environment.store
        do {
            while true {
                let due = try await store.dueMessages(now: Date.distantFuture, platforms: [ConsolePlatform.id], limit: 100)
                var printed = 0
                for m in due {
                    guard let id = m.id else { continue }
                    let now = environment.clock.now()
                    let lease = now.addingTimeInterval(DispatcherService.lease)
                    guard try await store.markSending(id, at: now, leaseUntil: lease) else { break }
                    ConsoleOutput.write(m.text + "\n")
                    try await store.markSent(id, at: environment.clock.now())
                    printed += 1
                }
                if printed == 0 { break }
            }
        } catch {
            ConsoleOutput.error("console: cannot read the outbox: \(error)")
        }
    }

    /// Reads stdin until end of file.
    public func run() async {
        await flushConsolePosts()
        var reader = BoundedLineReader()
        while let item = reader.next() {
            switch item {
            case .line(let line): await handle(line: line)
            case .tooLong: ConsoleOutput.error(Self.tooLong(item))
            }
        }
    }

    /// The one-line refusal of an input line over `BoundedLineReader.defaultLimit` bytes.
    static func tooLong(_ item: BoundedLineReader.Item) -> String {
        guard case .tooLong(let n) = item else { return "" }
        return "line of \(n) bytes ignored (at most \(BoundedLineReader.defaultLimit) bytes a command)"
    }
}
