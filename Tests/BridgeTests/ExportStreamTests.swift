import BridgeCore
import BridgeOperatingModel
import BridgeTesting
import Foundation
import Testing

/// Streamed exports (`incident-bridge export`): the rows read in chunks and written as they are read give the
/// same bytes as the export built in memory, for md, json and csv.
@Suite struct ExportStreamTests {
    @Test(arguments: ExportFormat.allCases) func streamedEqualsInMemory(format: ExportFormat) async throws {
        for file in ["Examples/bridge.yaml", "Examples/bridge.en.yaml"] {
            let clock = ManualClock()
            let env = try Fixtures.environment(file, clock: clock)
            let id = try #require(await env.run("/incident declare db-outage sev1 注文DB | \"quoted\", comma").incidentID)
            for (i, text) in ["ack", "update 調査中 | pipe", "note =HYPERLINK(\"x\")", "note line\nbreak", "mitigate ok"]
                .enumerated()
            {
                clock.advance(by: Double(60 * (i + 1)))
                await env.run("/incident \(text)")
            }
            // Text no command could produce: every control character, quotes, backslashes, slashes, non-ASCII.
            var odd = ""
            for c in 0..<0x20 { odd.unicodeScalars.append(Unicode.Scalar(c)!) }
            odd += "\u{7f}\"\\/é日\u{2028}\u{85}|,=x"
            let weird = odd
            try await env.store.write { tx in
                try tx.append(TimelineEntry(incidentID: id, at: clock.now(), actor: "x\"y", kind: .alert, text: weird))
            }
            let (inc, entries) = try await env.store.read { r in (try r.incident(id)!, try r.timeline(id)) }
            #expect(entries.count >= 6)
            let exporter = TimelineExporter(config: env.config)
            let now = clock.now()
            let whole = exporter.export(inc, entries, format: format, now: now)
            for size in [1, 3, 1000] {
                var streamed = ""
                var chunks = 0
                try await exporter.stream(
                    inc,
                    format: format,
                    now: now,
                    chunk: { after in
                        chunks += 1
                        return try await env.store.read { try $0.timeline(id, after: after, limit: size) }
                    },
                    write: { streamed += $0 }
                )
                #expect(streamed == whole, "\(file) \(format) chunk \(size)")
                #expect(chunks == (entries.count + size - 1) / size + 1, "read in chunks, then one empty read")
            }
        }
    }
}
