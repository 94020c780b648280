import Foundation

/// What every fuzz target shares: the input as text or data, checks that crash (libFuzzer records a crash, not a
/// wrong answer), the package root for the example config and templates, and the findings already being fixed.
public enum Fuzz {
    /// The input bytes as `Data`.
    public static func data(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> Data {
        guard let bytes, size > 0 else { return Data() }
        return Data(bytes: bytes, count: size)
    }

    /// The input as text; bytes that are not UTF-8 become U+FFFD, as a platform's decoding would leave them.
    public static func text(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> String {
        guard let bytes, size > 0 else { return "" }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: size), as: UTF8.self)
    }

    /// Crashes (so libFuzzer saves the input) when a property does not hold.
    public static func check(
        _ condition: Bool,
        _ message: @autoclosure () -> String,
        file: StaticString = #fileID,
        line: UInt = #line
    ) {
        if !condition { fatalError("property violated: \(message())", file: file, line: line) }
    }

    /// The input, quoted with its scalars visible, for a property message.
    public static func show(_ s: String) -> String {
        "\""
            + s.unicodeScalars.map {
                $0.isASCII && $0.value >= 0x20 ? String($0) : "\\u{\(String($0.value, radix: 16))}"
            }
            .joined() + "\""
    }

    /// The package root: the current directory when it holds `Templates/` (`make fuzz` runs there), else the one
    /// this file was compiled in.
    public static let root: String = {
        let cwd = FileManager.default.currentDirectoryPath
        if FileManager.default.fileExists(atPath: cwd + "/Templates/en") { return cwd }
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// `FUZZ_KNOWN=skip` steps over inputs that reach a finding already reported and being fixed (named by `id`,
    /// e.g. `issue24.3`), so a long run can look past it; by default such an input crashes like any other.
    public static func skipKnown(_ id: String, _ reached: @autoclosure () -> Bool) -> Bool {
        guard KnownFindings.skipping, reached() else { return false }
        KnownFindings.note(id)
        return true
    }
}

/// The findings skipped under `FUZZ_KNOWN=skip`, each named once on stderr.
enum KnownFindings {
    static let skipping = ProcessInfo.processInfo.environment["FUZZ_KNOWN"] == "skip"
    private static let seen = Seen()

    static func note(_ id: String) {
        if seen.insert(id) { FileHandle.standardError.write(Data("fuzz: skipping known finding \(id)\n".utf8)) }
    }

    private final class Seen: @unchecked Sendable {
        let lock = NSLock()
        var ids: Set<String> = []
        func insert(_ id: String) -> Bool { lock.withLock { ids.insert(id).inserted } }
    }
}
