import BridgeCore
import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// `GET /incidents/<INC>?all=1` written as a stream: the page around the timeline is rendered once with one
/// sentinel row, and the rows are read 1,000 at a time and rendered with the template's own row section, so a
/// timeline of 100k entries costs the server a chunk of memory, not the whole page. The bytes equal the page
/// rendered in memory (`PagesTests`).
extension IncidentPages {
    static let rowTemplate = "incident#timeline-row"
    static let streamChunk = 1_000

    /// The text between `{{#timeline}}` and `{{/timeline}}` of the incident template, if it has exactly one, as
    /// Mustache renders it per row: a tag alone on its line takes its line with it ("standalone" tags).
    static func timelineSection(of template: String) -> String? {
        let parts = template.components(separatedBy: "{{#timeline}}")
        guard parts.count == 2 else { return nil }
        let inner = parts[1].components(separatedBy: "{{/timeline}}")
        guard inner.count == 2 else { return nil }
        func blank<S: StringProtocol>(_ s: S) -> Bool { s.allSatisfy { $0 == " " || $0 == "\t" } }
        func lineEnd<S: StringProtocol>(_ s: S) -> Bool {
            let rest = s.prefix { $0 != "\n" && $0 != "\r\n" }
            return blank(rest) && (rest.endIndex == s.endIndex || s[rest.endIndex] == "\n" || s[rest.endIndex] == "\r\n")
        }
        var row = Substring(inner[0])
        let openLine = parts[0].split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
        if blank(openLine), lineEnd(row), let nl = row.firstIndex(where: { $0 == "\n" || $0 == "\r\n" }) {
            row = row[row.index(after: nl)...]
        }
        let closeLine = row.split(separator: "\n", omittingEmptySubsequences: false).last ?? ""
        if blank(closeLine), lineEnd(inner[1]) {
            row = row.dropLast(closeLine.count)
        }
        return String(row)
    }

    /// The streamed full page, or nil when it cannot be streamed (not authorized, no such incident, a template
    /// without a single timeline section): the caller then answers as for any page.
    func streamAll(_ request: Request, _ id: IncidentID) async throws -> Response? {
        guard authorized(request), case .success(let library) = templates else { return nil }
        let now = clock.now()
        let link = linkSuffix(request)
        let marker = "ib-sentinel-" + UUID().uuidString
        let sentinel: [String: Any] = ["at": marker, "iso": marker, "actor": marker, "kind": marker, "text": marker]
        guard let context = try await incidentContext(id, now: now, link: link, rows: .sentinel(sentinel)),
            context["has_timeline"] as? Bool == true,
            let page = library.render(context, withTemplate: "incident"),
            let row = library.render(context.merging(sentinel) { $1 }, withTemplate: Self.rowTemplate),
            let range = page.range(of: row)
        else { return nil }
        let head = String(page[..<range.lowerBound])
        let tail = String(page[range.upperBound...])
        let pages = self
        let frame = Frame(context: context)
        var headers = Self.commonHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: head))
            var after: Int64 = 0
            while true {
                let from = after
                let chunk = try await pages.store.read { try $0.timeline(id, after: from, limit: Self.streamChunk) }
                guard let last = chunk.last?.id else { break }
                after = last
                var html = ""
                for e in chunk {
                    html += library.render(frame.context.merging(pages.timelineRow(e)) { $1 }, withTemplate: Self.rowTemplate)
                        ?? ""
                }
                try await writer.write(ByteBuffer(string: html))
            }
            try await writer.write(ByteBuffer(string: tail))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

/// The page's template context, read only once built (Mustache contexts are `[String: Any]`).
private struct Frame: @unchecked Sendable {
    let context: [String: Any]
}
