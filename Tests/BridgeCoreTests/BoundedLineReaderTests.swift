import BridgeServer
import Foundation
import Testing

/// The console's stdin reader: lines as `readLine` gives them, and a cap instead of unbounded growth.
@Suite struct BoundedLineReaderTests {
    func read(_ bytes: [UInt8], limit: Int) throws -> [BoundedLineReader.Item] {
        let pipe = Pipe()
        let writer = Thread {
            pipe.fileHandleForWriting.write(Data(bytes))
            try? pipe.fileHandleForWriting.close()
        }
        writer.start()
        var reader = BoundedLineReader(fd: pipe.fileHandleForReading.fileDescriptor, limit: limit)
        var items: [BoundedLineReader.Item] = []
        while let item = reader.next() { items.append(item) }
        return items
    }

    @Test func linesCRLFAndALastLineWithoutNewline() throws {
        let items = try read(Array("a\nb\r\n\n日本語\nlast".utf8), limit: 100)
        #expect(items == [.line("a"), .line("b"), .line(""), .line("日本語"), .line("last")])
    }

    @Test func anOverlongLineIsSkippedToItsNewlineAndTheNextLineIsRead() throws {
        let long = [UInt8](repeating: 0x41, count: 300_000)
        let items = try read(long + Array("\n/incident help\n".utf8) + long, limit: 1_000)
        #expect(items == [.tooLong(bytes: 300_000), .line("/incident help"), .tooLong(bytes: 300_000)])
    }
}
