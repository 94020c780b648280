import BridgeCore
import Foundation

/// Exports written as a stream: the rows are read in chunks and written as they are read, so memory stays flat
/// however long the timeline. The bytes are the same as `export` (the header and footer come from `export` itself
/// around one marker row; each row is written by the same code).
extension TimelineExporter {
    /// Streams the export of `incident` to `write`; `chunk(afterID)` returns the next entries after that id, in
    /// order (empty at the end). An incident without entries is written by `export`.
    public func stream(
        _ incident: Incident,
        format: ExportFormat,
        now: Date,
        chunk: (Int64) async throws -> [TimelineEntry],
        write: (String) -> Void
    ) async throws {
        let first = try await chunk(0)
        guard !first.isEmpty else {
            write(export(incident, [], format: format, now: now))
            return
        }
        let marker = TimelineEntry(
            incidentID: incident.id,
            at: now,
            actor: "\u{1}marker",
            kind: .note,
            text: "\u{1}incident-bridge-stream-marker\u{1}"
        )
        let whole = export(incident, [marker], format: format, now: now)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let (head, tail) = try Self.split(whole, around: markerRow(marker, format: format, encoder: encoder))
        write(head)
        // The next chunk is read while the current one is turned into rows (at most one chunk ahead, so memory
        // stays two chunks however long the timeline): the store read and the row text overlap instead of
        // taking turns (BENCHMARKS.md, issue 25). Reads never overlap each other: each starts after the last one
        // returned, so `chunk` is called exactly as before, in order.
        try await withoutActuallyEscaping(chunk) { chunk in
            let reader = ChunkReader(read: chunk)
            var current = first
            var wroteOne = false
            while !current.isEmpty {
                let after = current.last?.id ?? Int64.max
                async let next = reader.read(after)
                var out = ""
                for e in current {
                    if wroteOne && format == .json { out += ",\n" }
                    out += markerRow(e, format: format, encoder: encoder)
                    if format != .json { out += format == .csv ? "\r\n" : "\n" }
                    wroteOne = true
                }
                write(out)
                current = try await next
            }
        }
        write(tail)
    }

    /// One row exactly as `export` writes it (without the separator that follows it).
    func markerRow(_ e: TimelineEntry, format: ExportFormat, encoder: JSONEncoder) -> String {
        switch format {
        case .csv: return csvRow(e, escape: { $0 })
        case .md: return markdownRow(e, escape: { $0 })
        case .json:
            // Written by hand in JSONEncoder's exact pretty, sorted form, as an encoder call per row is slow (see
            // BENCHMARKS.md: "Streamed exports (part of issue 17)"); the equality test holds it to
            // JSONEncoder's bytes, control characters included.
            let r = jsonRow(e, escape: { $0 })
            return "    {\n      \"actor\" : \(JSONText.quote(r.actor)),\n      \"actor_name\" : \(JSONText.quote(r.actor_name)),\n"
                + "      \"at\" : \(JSONText.quote(r.at)),\n      \"kind\" : \(JSONText.quote(r.kind)),\n"
                + "      \"text\" : \(JSONText.quote(r.text))\n    }"
        }
    }

    /// The text before and after the marker row (and its separator).
    static func split(_ whole: String, around row: String) throws -> (String, String) {
        guard let r = whole.range(of: row) else { throw StreamError() }
        var tailStart = r.upperBound
        for sep in ["\r\n", "\n"] where whole[tailStart...].hasPrefix(sep) {
            tailStart = whole.index(tailStart, offsetBy: sep.count)
            break
        }
        if whole[r.upperBound...].hasPrefix("\n") && row.hasPrefix("    {") {
            tailStart = r.upperBound  // json: the newline before the closing bracket belongs to the tail
        }
        return (String(whole[..<r.lowerBound]), String(whole[tailStart...]))
    }

    /// The caller's chunk reader handed to the one read running ahead. Unchecked: `stream` starts a read only
    /// after the previous one returned, so the closure is never called twice at once.
    private struct ChunkReader: @unchecked Sendable {
        let read: (Int64) async throws -> [TimelineEntry]
    }

    struct StreamError: Error, CustomStringConvertible {
        var description: String { "stream export: marker row not found" }
    }
}
