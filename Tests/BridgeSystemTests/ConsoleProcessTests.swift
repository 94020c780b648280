import BridgeTestSupport
import BridgeTesting
import Foundation
import Testing
import BridgePaging
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

@Suite struct ConsoleProcessTests {
    @Test func consoleSessionAndExport() throws {
        let db = Fixtures.tempDir() + "/bridge.sqlite"
        let session = """
            /incident declare db-outage sev1 注文DBに接続できない
            /incident ack
            /incident update 原因調査中
            /incident resolve フェイルオーバーで復旧
            /incident nonsense
            """
        let r = try CLI.run(["chat", "--config", "Examples/bridge.yaml", "--db", db, "--as", "suzuki"], stdin: session)
        #expect(r.status == 0)
        #expect(r.stdout.contains("【重大障害宣言】INC-"))
        // R: both ops leads are named; the one on call now (a schedule: day lead or night rotation) is mentioned.
        let rLine = r.stdout.split(separator: "\n").first { $0.hasPrefix("R（実行責任者）: ") } ?? ""
        #expect(rLine.contains("鈴木 美咲") && rLine.contains("高橋 誠") && rLine.contains("@"), "\(rLine)")
        #expect(r.stdout.contains("A（説明責任者）: @佐藤 健"))
        #expect(r.stdout.contains("+81-50-3000-0110"))
        #expect(r.stdout.contains("手順書: Runbooks/db-outage.md"))
        #expect(r.stdout.contains("! 不明なコマンド「nonsense」"))
        let id = try #require(r.stdout.firstMatch(of: /INC-\d{8}-\d{3}/)).0
        // State survives the process: a second run sees the incident.
        let show = try CLI.run(
            ["chat", "--config", "Examples/bridge.yaml", "--db", db, "--as", "suzuki"],
            stdin: "/incident show \(id)\n"
        )
        #expect(show.stdout.contains("resolved"))
        let export = try CLI.run([
            "export", String(id), "--config", "Examples/bridge.yaml", "--db", db, "--format", "json",
        ])
        #expect(export.status == 0)
        let doc = try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any]
        let timeline = try #require(doc?["timeline"] as? [[String: Any]])
        #expect(timeline.map { $0["kind"] as? String } == ["declared", "acknowledged", "update", "resolved"])
        #expect(timeline.allSatisfy { ($0["actor"] as? String) == "suzuki" })
        #expect(timeline.allSatisfy { ($0["at"] as? String)?.hasSuffix("+09:00") == true })
    }

    /// The documented default: `bridge.yaml` in the current directory, with and without `--config` (both crashed
    /// with SIGILL in Foundation's path handling); templates missing there are a one-line error, not a crash.
    @Test func configInTheCurrentDirectoryWorks() throws {
        let dir = Fixtures.tempDir()
        try String(contentsOfFile: Fixtures.path("Examples/bridge.en.yaml"), encoding: .utf8)
            .write(toFile: dir + "/bridge.yaml", atomically: true, encoding: .utf8)
        let templates = ["INCIDENT_BRIDGE_TEMPLATES": Fixtures.path("Templates")]
        for args in [["chat", "--db", "a.sqlite"], ["chat", "--config", "bridge.yaml", "--db", "b.sqlite"]] {
            let r = try CLI.run(args + ["--as", "suzuki"], stdin: "/incident help\n", env: templates, in: dir)
            #expect(r.status == 0, "\(args): \(r.stderr)")
            #expect(r.stdout.contains("IncidentBridge commands"), "\(args): \(r.stdout)")
        }
        let bare = try CLI.run(["chat", "--db", "c.sqlite"], stdin: "/incident help\n", env: ["INCIDENT_BRIDGE_TEMPLATES": dir + "/none"], in: dir)
        #expect(bare.status == 1 && bare.stderr.contains("missing template"), "\(bare.status) \(bare.stderr)")
    }

    @Test func badConfigExitsTwoWithKeyPath() throws {
        let dir = Fixtures.tempDir()
        let text = try String(contentsOfFile: Fixtures.path("Examples/bridge.yaml"), encoding: .utf8)
        let broken = text.replacingOccurrences(
            of: "raci: {business_owner: A, ops_lead: R, vendor_pm: C, cloud_ops: C, security: I}",
            with: "raci: {business_owner: A, ops_lead: A, vendor_pm: C, cloud_ops: C, security: I}"
        )
        #expect(broken != text)
        try broken.write(toFile: dir + "/bridge.yaml", atomically: true, encoding: .utf8)
        let r = try CLI.run(
            ["chat", "--config", dir + "/bridge.yaml", "--db", dir + "/db.sqlite"],
            stdin: "/incident list\n"
        )
        #expect(r.status == 2)
        #expect(r.stderr.contains("event_types.db-outage.raci (line "))
        #expect(r.stderr.contains("2 A's"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/db.sqlite"))
    }

    @Test func exportOfUnknownIncidentFails() throws {
        let db = Fixtures.tempDir() + "/bridge.sqlite"
        let r = try CLI.run(["export", "INC-20990101-001", "--config", "Examples/bridge.yaml", "--db", db])
        #expect(r.status == 1)
        #expect(r.stderr.contains("no incident INC-20990101-001"))
        let f = try CLI.run([
            "export", "INC-20990101-001", "--config", "Examples/bridge.yaml", "--db", db, "--format", "pdf",
        ])
        #expect(f.status == 2)
    }
}
