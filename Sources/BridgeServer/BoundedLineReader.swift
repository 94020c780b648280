import Foundation

/// Lines from a file descriptor (stdin) with a cap on their length: `readLine` keeps everything up to the next
/// newline, so a stream without one (a pasted binary, `< /dev/zero`) would grow the process without bound.
/// A longer line is skipped to its newline and reported as `.tooLong`.
public struct BoundedLineReader {
    public enum Item: Equatable, Sendable {
        case line(String)
        case tooLong(bytes: Int)
    }

    public static let defaultLimit = 64 * 1024
    let fd: Int32
    let limit: Int
    private var buffer: [UInt8] = []
    private var start = 0
    private var skipping = 0
    private var eof = false

    public init(fd: Int32 = 0, limit: Int = defaultLimit) {
        self.fd = fd
        self.limit = limit
    }

    /// The next line without its newline (and a trailing CR), or nil at end of input.
    public mutating func next() -> Item? {
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            if let nl = buffer[start...].firstIndex(of: 0x0A) {
                var line = buffer[start..<nl]
                start = nl + 1
                if skipping > 0 || line.count > limit {
                    let n = skipping + line.count
                    skipping = 0
                    return .tooLong(bytes: n)
                }
                if line.last == 0x0D { line = line.dropLast() }
                return .line(String(decoding: line, as: UTF8.self))
            }
            if buffer.count - start > limit {
                skipping += buffer.count - start
                buffer.removeAll(keepingCapacity: true)
                start = 0
            }
            if eof {
                guard start < buffer.count || skipping > 0 else { return nil }
                defer {
                    buffer.removeAll()
                    start = 0
                    skipping = 0
                }
                if skipping > 0 { return .tooLong(bytes: skipping + buffer.count - start) }
                return .line(String(decoding: buffer[start...], as: UTF8.self))
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 {
                eof = true
            } else {
                buffer.append(contentsOf: chunk[0..<n])
            }
        }
    }
}
