import BridgeTestSupport
import BridgeCore
import Foundation
import Testing

/// `incident-bridge migrate --from FILE --to postgres://...`: a history made through the console is copied, the
/// counts are checked, the exports are the same bytes from either database, and the next incident number and
/// the next timeline id continue where SQLite left off.
@Suite(.serialized) struct MigrateTests {
    @Test func aSQLiteHistoryMovesToPostgresAndExportsTheSameBytes() async throws {
        let dir = Fixtures.tempDir()
        let file = dir + "/bridge.sqlite"
        let url = try PostgresCluster.database()
        let lines = [
            "/incident declare db-outage sev1 注文DB | \"quoted\", comma <b>",
            "/incident ack", "/incident update 調査中 | pipe", "/incident note =HYPERLINK(\"x\")",
            "/incident mitigate フェイルオーバー", "/incident resolve 復旧済み",
            "/incident declare batch-failure 夜間バッチ", "/incident note line two", "/incident resolve 再実行",
            "/incident drill failover ok 12", "/incident change rel-1 success",
            "/oncall override ops-oncall @yamamoto today 12:00 today 13:00 swap",
        ]
        let chat = try CLI.run(
            ["chat", "--config", "Examples/bridge.yaml", "--db", file, "--as", "takahashi"],
            stdin: lines.joined(separator: "\n") + "\n"
        )
        #expect(chat.status == 0, "\(chat.stderr)")
        let migrated = try CLI.run(["migrate", "--from", file, "--to", url])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stdout.contains("counts checked") && migrated.stdout.contains("incidents 2"), "\(migrated.stdout)")
        let ids = try PostgresCluster.psql(url, "SELECT id FROM incidents ORDER BY id").split(separator: "\n").map(String.init)
        #expect(ids.count == 2)
        for id in ids {
            for format in ["md", "json", "csv"] {
                let a = try CLI.run(["export", id, "--format", format, "--config", "Examples/bridge.yaml", "--db", file])
                let b = try CLI.run(["export", id, "--format", format, "--config", "Examples/bridge.yaml", "--db", url])
                #expect(a.status == 0 && b.status == 0, "\(a.stderr)\(b.stderr)")
                #expect(!a.stdout.isEmpty && a.stdout == b.stdout, "\(id) \(format) differs after migrate")
            }
        }
        for table in ["timeline", "timers", "outbox", "inbound_requests", "drills", "changes", "oncall_overrides", "kv"] {
            #expect(migrated.stdout.contains("\(table) "), "\(table) counted")
        }
        // The copied history goes on: the next declaration takes the next number, the next entry the next id.
        let next = try CLI.run(
            ["chat", "--config", "Examples/bridge.yaml", "--db", url, "--as", "takahashi"],
            stdin: "/incident declare db-outage sev2 after the move\n"
        )
        #expect(next.status == 0, "\(next.stderr)")
        #expect(try PostgresCluster.psql(url, "SELECT COUNT(DISTINCT id) FROM incidents") == "3")
        // Into a database that is not empty: refused, nothing written.
        let again = try CLI.run(["migrate", "--from", file, "--to", url])
        #expect(again.status == 1 && again.stderr.contains("not empty"), "\(again.stderr)")
        #expect(try PostgresCluster.psql(url, "SELECT COUNT(*) FROM incidents") == "3")
    }
}
