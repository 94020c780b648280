import Foundation

/// Runs the real binary as a user would.
package enum CLI {
    /// The `incident-bridge` of the build these tests belong to (beside the test runner), else the main build's.
    package static let binary: String = {
        var candidates: [URL] = []
        if let exe = Bundle.main.executableURL { candidates.append(exe) }
        if let first = CommandLine.arguments.first {
            candidates.append(
                URL(fileURLWithPath: first, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath))
            )
        }
        for c in candidates {
            let b = c.deletingLastPathComponent().appendingPathComponent("incident-bridge").standardizedFileURL.path
            if FileManager.default.isExecutableFile(atPath: b) { return b }
        }
        return Fixtures.path(".build/debug/incident-bridge")
    }()

    package struct Result {
        package var status: Int32
        package var stdout: String
        package var stderr: String
    }

    package static func run(
        _ args: [String],
        stdin: String = "",
        env: [String: String] = [:],
        in directory: String = Fixtures.root
    ) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: directory)
        var e = ProcessInfo.processInfo.environment
        for (k, v) in env { e[k] = v }
        p.environment = e
        let input = Pipe()
        let out = Pipe()
        let err = Pipe()
        p.standardInput = input
        p.standardOutput = out
        p.standardError = err
        try p.run()
        input.fileHandleForWriting.write(Data(stdin.utf8))
        try input.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let r = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Result(
            status: p.terminationStatus,
            stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: r, as: UTF8.self)
        )
    }
}
