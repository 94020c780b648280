import BridgeTestSupport
import BridgeTesting
import Foundation
import Testing
import BridgePaging
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

/// deploy/: the systemd unit, the container files and the env example, checked as far as this machine can.
@Suite struct DeployTests {
    static func read(_ rel: String) throws -> String { try String(contentsOfFile: Fixtures.path(rel), encoding: .utf8) }

    /// `systemd-analyze verify` on a copy whose ExecStart points at a binary that exists here. It exits 0 even for
    /// unknown keys or bad values (it only warns), so anything on stderr fails the test.
    /// `make test` installs systemd (`make peers`) and builds the binary first: a missing one fails the test.
    @Test func systemdUnitVerifies() throws {
        let unit = try Self.read("deploy/incident-bridge.service")
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze"),
            "systemd-analyze is missing: run `make peers`"
        )
        try #require(FileManager.default.isExecutableFile(atPath: CLI.binary), "build the binary first")
        let binary = CLI.binary
        func verify(_ text: String) throws -> CLI.Result {
            let dir = Fixtures.tempDir()
            let file = dir + "/incident-bridge.service"
            try text.replacingOccurrences(of: "/usr/local/bin/incident-bridge", with: binary)
                .write(toFile: file, atomically: true, encoding: .utf8)
            return try Peers.run("/usr/bin/systemd-analyze", ["verify", file])
        }
        let r = try verify(unit)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty, "\(r.stderr)")
        // The check is real: a misspelt value is reported.
        let broken = try verify(unit.replacingOccurrences(of: "ProtectSystem=strict", with: "ProtectSystem=strictly"))
        #expect(broken.stderr.contains("ProtectSystem") || broken.stderr.contains("protect system"))
    }

    @Test func systemdUnitIsHardened() throws {
        let lines = Set(try Self.read("deploy/incident-bridge.service").split(separator: "\n").map(String.init))
        for line in [
            "User=incident-bridge", "ProtectSystem=strict", "StateDirectory=incident-bridge",
            "ReadWritePaths=/var/lib/incident-bridge", "NoNewPrivileges=yes", "PrivateTmp=yes", "ProtectHome=yes",
            "CapabilityBoundingSet=", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
            "SystemCallFilter=@system-service", "EnvironmentFile=/etc/incident-bridge/env", "Restart=on-failure",
        ] {
            #expect(lines.contains(line), "\(line)")
        }
        let exec = try #require(lines.first { $0.hasPrefix("ExecStart=") })
        #expect(
            exec.contains("serve --config /etc/incident-bridge/bridge.yaml --db /var/lib/incident-bridge/bridge.sqlite")
        )
    }

    @Test func envExampleListsEverySecretWithoutValues() throws {
        let text = try Self.read("deploy/incident-bridge.env.example")
        let assignments = text.split(separator: "\n").filter { !$0.hasPrefix("#") && $0.contains("=") }
        let names = assignments.map { String($0.split(separator: "=", maxSplits: 1)[0]) }
        #expect(
            Set(names) == [
                "SLACK_SIGNING_SECRET", "SLACK_BOT_TOKEN", "MATTERMOST_COMMAND_TOKEN", "MATTERMOST_BOT_TOKEN",
                "MATTERMOST_WEBHOOK_URL", "CHAT_WEBHOOK_URL", "MATRIX_ACCESS_TOKEN", "TEAMS_HMAC_SECRET",
                "TEAMS_WORKFLOW_URL", "PAGERDUTY_ROUTING_KEY", "OPSGENIE_API_KEY", "SMTP_USERNAME",
                "SMTP_PASSWORD", "PAGING_WEBHOOK_SECRET", "ALERTMANAGER_TOKEN", "INCIDENT_BRIDGE_READ_TOKEN",
            ]
        )
        #expect(names.count == Set(names).count)
        #expect(assignments.allSatisfy { $0.hasSuffix("=") }, "the example carries no value")
        // Every variable the example configs name is listed.
        for config in ["Examples/bridge.yaml", "Examples/bridge.en.yaml"] {
            for m in try Self.read(config).matches(of: /_env:\s*([A-Z][A-Z0-9_]+)/) {
                #expect(names.contains(String(m.1)), "\(config): \(m.1)")
            }
        }
    }

    /// No Docker engine here: the container files are checked by reading them (and Alertmanager's config by amtool).
    @Test func containerFilesAgree() throws {
        let docker = try Self.read("deploy/Dockerfile")
        let stages = docker.split(separator: "\n").filter { $0.hasPrefix("FROM ") }
        #expect(stages.count == 2)
        #expect(docker.contains("swift build -c release"))
        #expect(docker.contains("libcurl4-openssl-dev libsqlite3-dev"))
        #expect(docker.contains("libcurl4 libsqlite3-0"))
        #expect(docker.contains("USER incident-bridge"))
        #expect(docker.contains("HEALTHCHECK") && docker.contains("http://127.0.0.1:8080/healthz"))
        #expect(docker.contains("EXPOSE 8080"))
        #expect(docker.contains("\"--host\", \"0.0.0.0\""))
        #expect(docker.contains("INCIDENT_BRIDGE_TEMPLATES=/usr/share/incident-bridge/Templates"))
        for dir in ["Templates", "Runbooks", "Examples", "Sources", "Tests"] {
            #expect(docker.contains("COPY \(dir) "), "\(dir)")
            #expect(FileManager.default.fileExists(atPath: Fixtures.path(dir)), "\(dir)")
        }
        let compose = try Self.read("deploy/docker-compose.yml")
        #expect(compose.contains("image: prom/alertmanager"))
        #expect(compose.contains("dockerfile: deploy/Dockerfile"))
        #expect(compose.contains("env_file: incident-bridge.env"))
        let am = try Self.read("deploy/alertmanager.yml")
        #expect(am.contains("url: http://incident-bridge:8080/alerts/alertmanager"))
        try #require(
            FileManager.default.isExecutableFile(atPath: "/usr/bin/amtool"),
            "amtool is missing: run `make peers` (prometheus-alertmanager)"
        )
        let dir = Fixtures.tempDir()
        try "test-token\n".write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        try am.replacingOccurrences(of: "/run/secrets/alertmanager_token", with: dir + "/token")
            .write(toFile: dir + "/alertmanager.yml", atomically: true, encoding: .utf8)
        let r = try Peers.run("/usr/bin/amtool", ["check-config", dir + "/alertmanager.yml"])
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
    }

    /// `serve --log-format json`: every stderr line is one JSON object with the agreed keys, and no secret shows.
    @Test func serveLogsJSONLines() throws {
        let dir = Fixtures.tempDir()
        let log = dir + "/stderr.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let secret = "xoxb-must-never-be-logged-\(UUID().uuidString)"
        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = [
            "serve", "--config", Fixtures.path("Examples/bridge.en.yaml"), "--db", dir + "/bridge.sqlite",
            "--port", String(Peers.freePort()), "--log-format", "json",
        ]
        var env = ProcessInfo.processInfo.environment
        env["SLACK_BOT_TOKEN"] = secret
        env["INCIDENT_BRIDGE_READ_TOKEN"] = secret
        env["ALERTMANAGER_TOKEN"] = secret
        env["LOG_LEVEL"] = "debug"
        p.environment = env
        p.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        p.standardError = FileHandle(forWritingAtPath: log)
        try p.run()
        defer {
            // SIGKILL: children of the test process inherit its blocked signal mask.
            if p.isRunning { kill(p.processIdentifier, SIGKILL) }
            p.waitUntilExit()
        }
        var text = ""
        for _ in 0..<200 where !text.contains("incident-bridge serving") {
            Thread.sleep(forTimeInterval: 0.05)
            text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        }
        let lines = text.split(separator: "\n")
        #expect(lines.contains { $0.contains("incident-bridge serving") }, "\(text)")
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil, "\(line)")
            for key in ["timestamp", "level", "label", "message", "metadata"] {
                #expect(object?[key] != nil, "\(key) in \(line)")
            }
            #expect((object?["timestamp"] as? String)?.hasSuffix("Z") == true)
        }
        #expect(!text.contains(secret))
        let bad = try CLI.run(["serve", "--log-format", "xml"])
        #expect(bad.status == 64)
    }
}
