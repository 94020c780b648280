import BridgeTestSupport
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

    /// The JSON export's rows are written with `JSONText.quote`: it writes what JSONEncoder writes
    /// (`.withoutEscapingSlashes`) for every control character, quotes, backslashes, slashes and non-ASCII text.
    @Test func jsonTextQuotesAsJSONEncoderDoes() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var texts = (0..<0x20).map { String(Character(Unicode.Scalar(UInt8($0)))) + "x" }
        texts += ["p99 > 3s & \"5xx\" <pay1> \\ / 決済API", "", "\u{2028}\u{301}"]
        for text in texts {
            let expected = String(decoding: try encoder.encode(text), as: UTF8.self)
            #expect(JSONText.quote(text) == expected, "\(text.unicodeScalars.map(\.value))")
        }
    }
}

/// `LocalTime` formats by arithmetic on the zone offset: it agrees with Foundation's calendar everywhere.
@Suite struct LocalTimeTests {
    @Test(arguments: ["Asia/Tokyo", "Europe/Berlin", "America/New_York", "America/St_Johns", "UTC", "Pacific/Chatham"])
    func agreesWithTheCalendar(zone: String) {
        let tz = TimeZone(identifier: zone)!
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = tz
        let lt = LocalTime(tz)
        var seed: UInt64 = 42
        for _ in 0..<5000 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            let t = Date(timeIntervalSince1970: Double(seed % 4_000_000_000) - 500_000_000 + 0.25)
            let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: t)
            let expected = String(format: "%04d-%02d-%02d %02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!)
            #expect(lt.display(t) == expected, "\(t)")
            #expect(lt.iso8601(t).hasPrefix(String(format: "%04d-%02d-%02dT%02d:%02d:%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)))
        }
    }
}
