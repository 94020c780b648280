import BridgeCore
import Foundation

/// Prints posts to stdout: the console chat, and the sink for posts no platform adapter takes.
public struct ConsolePoster: ChatPoster {
    public let platform = "console"
    public init() {}
    public func deliver(_ message: OutboxMessage) async throws {
        let header = message.destination.platform == "console" ? "" : "[\(message.destination) (no adapter)] "
        ConsoleOutput.write(header + message.text + "\n")
    }
}
