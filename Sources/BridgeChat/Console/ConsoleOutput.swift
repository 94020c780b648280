import Foundation

/// Writes bot output to stdout, unbuffered, one block at a time (safe from several tasks).
public enum ConsoleOutput {
    static let lock = NSLock()

    /// Prints `text` followed by a newline and flushes.
    public static func write(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }

    /// Prints to stderr.
    public static func error(_ text: String) {
        lock.lock()
        defer { lock.unlock() }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
