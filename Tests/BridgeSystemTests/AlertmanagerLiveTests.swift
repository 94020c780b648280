import BridgeTestSupport
import BridgeCore
import BridgeStore
import BridgeTesting
import Foundation
import Testing
import BridgePaging
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

/// The real Alertmanager (Debian prometheus-alertmanager) pointed at a real `serve` process.
@Suite(.serialized) struct AlertmanagerLiveTests {
    @Test func amtoolAlertOpensOneIncidentNotesAndResolves() async throws {
        let dir = Fixtures.tempDir()
        let botPort = Peers.freePort()
        let amPort = Peers.freePort()
        let db = dir + "/bridge.sqlite"
        let serve = try CrashRecoveryTests.ServeProcess(
            config: Fixtures.path("Examples/bridge.en.yaml"),
            db: db,
            outPath: dir + "/serve.txt",
            port: botPort
        )
        defer { serve.kill9() }
        let amConfig = try String(contentsOfFile: Fixtures.path("scripts/peers/alertmanager.yml"), encoding: .utf8)
            .replacingOccurrences(of: "127.0.0.1:8080", with: "127.0.0.1:\(botPort)")
            .replacingOccurrences(of: "ALERT_TOKEN", with: Fixtures.alertToken)
        try amConfig.write(toFile: dir + "/am.yml", atomically: true, encoding: .utf8)
        let am = Process()
        am.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus-alertmanager")
        am.arguments = [
            "--config.file=\(dir)/am.yml", "--storage.path=\(dir)/am", "--web.listen-address=127.0.0.1:\(amPort)",
            "--web.external-url=http://127.0.0.1:\(amPort)", "--cluster.listen-address=",
        ]
        am.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        am.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try am.run()
        defer {
            kill(am.processIdentifier, SIGKILL)
            am.waitUntilExit()
        }
        for _ in 0..<200 where !Sink.canConnect(amPort) || !Sink.canConnect(botPort) {
            try await Task.sleep(nanoseconds: 50_000_000)
        }

        func amtool(_ args: [String]) throws {
            let r = try Peers.run("/usr/bin/amtool", ["--alertmanager.url=http://127.0.0.1:\(amPort)"] + args)
            #expect(r.status == 0, "amtool: \(r.stderr)")
        }
        func state() async throws -> ([Incident], [TimelineEntry]) {
            let store = try SQLiteStore(path: db)
            return try await store.read { r in
                let incs = try r.incidents(declaredSince: .distantPast)
                return (incs, try incs.flatMap { try r.timeline($0.id) })
            }
        }
        func waitFor(_ seconds: Double, _ ok: ([Incident], [TimelineEntry]) -> Bool) async throws -> Bool {
            let end = Date().addingTimeInterval(seconds)
            while Date() < end {
                if ok(try await state().0, try await state().1) { return true }
                try await Task.sleep(nanoseconds: 200_000_000)
            }
            return false
        }

        try amtool([
            "alert", "add", "alertname=DiskFull", "service=db", "severity=critical", "instance=db01:9100",
            "--annotation=summary=Disk almost full on db01",
        ])
        #expect(try await waitFor(20) { incs, _ in incs.count == 1 })
        let (incs, _) = try await state()
        #expect(incs.first?.eventType == "db-outage")
        try amtool(["alert", "add", "alertname=DiskFull", "service=db", "severity=critical", "instance=db02:9100"])
        #expect(try await waitFor(20) { _, t in t.filter { $0.kind == .alert }.count >= 2 })
        #expect(try await state().0.count == 1)
        let past = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-60))
        for instance in ["db01:9100", "db02:9100"] {
            try amtool([
                "alert", "add", "alertname=DiskFull", "service=db", "severity=critical", "instance=\(instance)",
                "--end=\(past)",
            ])
        }
        #expect(
            try await waitFor(30) { _, t in t.contains { $0.kind == .alert && $0.text.hasPrefix("alerts resolved") } }
        )
        #expect(try await state().0.count == 1)
    }
}
