import BridgeCore
import Foundation
import HTTPTypes
import Hummingbird
import Mustache

/// `GET /incidents/<INC>?all=1` written as a stream through the incident template's partials: `incident_top` once,
/// `incident_row` for each entry as the rows are read 1,000 at a time, `incident_bottom` once. A timeline of 100k
/// entries costs the server a chunk of memory, not the whole page; the bytes equal the `incident` template rendered
/// in memory with every entry (`PagesTests`), which is those partials in that order.
extension IncidentPages {
    static let streamChunk = 1_000

    /// The streamed full page, or nil when it is not streamed (not authorized, no such incident, no timeline): the
    /// caller then answers as for any page.
    func streamAll(_ request: Request, _ id: IncidentID) async throws -> Response? {
        guard authorized(request), case .success(let library) = templates else { return nil }
        let now = clock.now()
        // The page without its rows: what the top and bottom partials read.
        guard let context = try await incidentContext(id, now: now, link: linkSuffix(request), rows: .sentinel([:])),
            context["has_timeline"] as? Bool == true,
            let top = library.render(context, withTemplate: "incident_top"),
            let bottom = library.render(context, withTemplate: "incident_bottom")
        else { return nil }
        let pages = self
        let frame = Frame(context: context)
        var headers = Self.commonHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: top))
            var after: Int64 = 0
            while true {
                let from = after
                let chunk = try await pages.store.read { try $0.timeline(id, after: from, limit: Self.streamChunk) }
                guard let last = chunk.last?.id else { break }
                after = last
                var html = ""
                for e in chunk {
                    let row = RowContext(row: pages.timelineRow(e), page: frame.context)
                    html += library.render(row, withTemplate: "incident_row") ?? ""
                }
                try await writer.write(ByteBuffer(string: html))
            }
            try await writer.write(ByteBuffer(string: bottom))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: headers, body: body)
    }
}

/// One timeline row over the page, as inside `{{#timeline}}`: a name is looked up in the row, then in the page.
private struct RowContext: MustacheParent {
    let row: [String: Any]
    let page: [String: Any]
    func child(named key: String) -> Any? { row[key] ?? page[key] }
}

/// The page's template context, read only once built (Mustache contexts are `[String: Any]`).
private struct Frame: @unchecked Sendable {
    let context: [String: Any]
}
