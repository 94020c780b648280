import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Errors of the test harness itself (a peer that would not start, a helper script that failed).
struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A loopback peer (python script) run as a subprocess for one test; `stop()` ends it by PID.
final class PeerProcess: @unchecked Sendable {
    let process: Process
    /// The port the peer listens on.
    let port: Int
    let logURL: URL

    private init(process: Process, port: Int, logURL: URL) {
        self.process = process
        self.port = port
        self.logURL = logURL
    }

    /// The repository root (this file is Sources/BridgeTesting/PeerProcess.swift).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func script(_ name: String) -> String {
        repoRoot.appendingPathComponent("scripts/peers/\(name)").path
    }

    /// `python -c` code that clears the signal mask, then runs the script (`path args...`) or module
    /// (`-m name args...`) that follows. Foundation's `Process` passes on the spawning thread's signal mask,
    /// and test threads block SIGTERM: without this a peer would ignore `stop()` until SIGKILL.
    static let pythonBootstrap = """
        import runpy, signal, sys
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        if sys.argv[1] == "-m":
            sys.argv = sys.argv[2:]
            runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
        else:
            sys.argv = sys.argv[1:]
            runpy.run_path(sys.argv[0], run_name="__main__")
        """

    /// Arguments that run `python` code through `pythonBootstrap`.
    static func bootstrapped(_ arguments: [String]) -> [String] {
        ["-c", pythonBootstrap] + arguments
    }

    /// Starts one of our scripts that prints `listening PORT` once ready (sink.py, hang.py).
    static func startAnnouncing(
        script name: String,
        arguments: [String],
        environment: [String: String] = [:],
        in directory: URL
    ) throws -> PeerProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + bootstrapped([script(name)] + arguments)
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let stdout = Pipe()
        process.standardOutput = stdout
        let logURL = directory.appendingPathComponent("\(name).stderr")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.standardError = try FileHandle(forWritingTo: logURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = stdout.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard
            let port = text.split(separator: "\n").first.flatMap({ $0.split(separator: " ").last })
                .flatMap({ Int($0) })
        else {
            let peer = PeerProcess(process: process, port: 0, logURL: logURL)
            peer.stop()
            throw HarnessError("\(name) did not start: \(peer.stderr())")
        }
        return PeerProcess(process: process, port: port, logURL: logURL)
    }

    /// Starts a python module that listens on `port` (chosen by the caller) and waits until it accepts
    /// connections.
    static func startListening(
        python: String,
        module: String,
        arguments: [String],
        port: Int,
        in directory: URL,
        name: String
    ) async throws -> PeerProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = bootstrapped(["-m", module] + arguments)
        let logURL = directory.appendingPathComponent("\(name).stderr")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: logURL)
        process.standardError = try FileHandle(forWritingTo: logURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let peer = PeerProcess(process: process, port: port, logURL: logURL)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if Ports.accepts(port) { return peer }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        peer.stop()
        throw HarnessError("\(name) did not listen on \(port): \(peer.stderr())")
    }

    /// Ends the peer by PID (SIGTERM, then SIGKILL after 3 s) and reaps it.
    func stop() {
        guard process.isRunning else { return }
        let pid = process.processIdentifier
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(3)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(pid, SIGKILL) }
        process.waitUntilExit()
    }

    func stderr() -> String {
        (try? String(contentsOf: logURL, encoding: .utf8)) ?? ""
    }

    deinit {
        stop()
    }
}

/// Loopback port helpers.
enum Ports {
    /// A port that was free a moment ago (bound to 127.0.0.1:0, then closed).
    static func free() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw HarnessError("socket() failed") }
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw HarnessError("bind() failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func accepts(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return result == 0
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        return address
    }
}

/// A temporary directory removed at the end of the test.
final class TempDir: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("transport-tests-\(UUID().uuidString.prefix(8))", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> URL {
        url.appendingPathComponent(name)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

/// Runs a program to completion and returns its stdout (stderr goes to a temp file, reported on failure).
func runProgram(_ executable: String, _ arguments: [String], in directory: URL) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let stdout = Pipe()
    process.standardOutput = stdout
    let errURL = directory.appendingPathComponent("run-\(UUID().uuidString.prefix(6)).stderr")
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    process.standardError = try FileHandle(forWritingTo: errURL)
    process.standardInput = FileHandle.nullDevice
    try process.run()
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        let command = ([executable] + arguments).joined(separator: " ")
        throw HarnessError("\(command) exited \(process.terminationStatus): \(err)")
    }
    return String(decoding: output, as: UTF8.self)
}
