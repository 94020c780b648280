import BridgeCore
import Foundation

/// Exports an incident's timeline as Markdown (a post-incident review skeleton), JSON or CSV.
public struct TimelineExporter: Sendable {
    public var config: BridgeConfiguration
    public init(config: BridgeConfiguration) { self.config = config }

    public func export(
        _ incident: Incident,
        _ entries: [TimelineEntry],
        format: ExportFormat,
        now: Date? = nil,
        escape: (String) -> String = { $0 }
    ) -> String {
        switch format {
        case .json: json(incident, entries, now: now, escape: escape)
        case .csv: csv(entries, escape: escape)
        case .md: markdown(incident, entries, now: now, escape: escape)
        }
    }

    var tz: LocalTime { LocalTime(config.timeZone) }

    func name(_ person: String) -> String { config.people[person]?.name ?? person }

    /// One JSON document: the incident summary, the SLA clocks and every timeline entry in order.
    public func json(
        _ incident: Incident,
        _ entries: [TimelineEntry],
        now: Date? = nil,
        escape: (String) -> String = { $0 }
    ) -> String {
        struct Clock: Encodable {
            let clock: String
            let target: String
            let elapsed: String
            let status: String
        }
        struct Doc: Encodable {
            let id: String
            let title: String
            let event_type: String
            let severity: String
            let state: String
            let declared_at: String
            let responsible: [String]
            let accountable: [String]
            let clocks: [Clock]
            let timeline: [JSONRow]
        }
        let clocks = ClockResult.evaluate(incident, config: config, now: now ?? entries.last?.at ?? incident.declaredAt)
        let doc = Doc(
            id: incident.id.rawValue,
            title: escape(OneLine.clean(incident.title)),
            event_type: incident.eventType,
            severity: incident.severity,
            state: incident.state.rawValue,
            declared_at: tz.iso8601(incident.declaredAt),
            responsible: incident.responsible,
            accountable: incident.accountable,
            clocks: clocks.map {
                Clock(
                    clock: $0.clock.rawValue,
                    target: $0.target.description,
                    elapsed: $0.elapsed.description,
                    status: $0.status.rawValue
                )
            },
            timeline: entries.map { jsonRow($0, escape: escape) }
        )
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? enc.encode(doc)) ?? Data(), as: UTF8.self)
    }

    /// One timeline entry of the JSON export.
    struct JSONRow: Encodable {
        let at: String
        let actor: String
        let actor_name: String
        let kind: String
        let text: String
    }

    func jsonRow(_ e: TimelineEntry, escape: (String) -> String) -> JSONRow {
        JSONRow(
            at: tz.iso8601(e.at),
            actor: escape(e.actor),
            actor_name: escape(name(e.actor)),
            kind: e.kind.rawValue,
            text: escape(e.text)
        )
    }

    /// RFC 4180 CSV: time, actor, kind, text. A cell a spreadsheet would read as a formula (starting with
    /// `= + - @`, TAB or CR) gets a leading `'` (OWASP "CSV injection").
    public func csv(_ entries: [TimelineEntry], escape: (String) -> String = { $0 }) -> String {
        var out = "time,actor,kind,text\r\n"
        for e in entries { out += csvRow(e, escape: escape) + "\r\n" }
        return out
    }

    /// One CSV line without its CRLF.
    func csvRow(_ e: TimelineEntry, escape: (String) -> String) -> String {
        func field(_ raw: String) -> String {
            var s = raw
            if let first = s.utf8.first, "=+-@\t\r".utf8.contains(first) { s = "'" + s }
            // Byte checks: Character iteration and NSString bridging were most of a 100k-row export.
            guard s.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D })
            else { return s }
            return "\"" + Self.csvQuotes(s) + "\""
        }
        return [tz.iso8601(e.at), escape(e.actor), e.kind.rawValue, escape(e.text)].map(field).joined(separator: ",")
    }

    /// `"` doubled inside a quoted CSV field, on the bytes: `replacingOccurrences` left a `"` followed by a
    /// combining mark as it was, which ended the field early.
    static let csvQuotes = ByteEscaper(["\"": "\"\""])

    /// `|` as `\|` in a Markdown table cell, on the bytes (`|` before a combining mark split the cell).
    static let markdownPipes = ByteEscaper(["|": "\\|"])

    /// One Markdown table row of the timeline.
    func markdownRow(_ e: TimelineEntry, escape: (String) -> String) -> String {
        func cell(_ s: String) -> String {
            Self.markdownPipes(escape(OneLine.clean(s)))
        }
        return "| \(tz.iso8601(e.at)) | \(cell(name(e.actor))) | \(e.kind.rawValue) | \(cell(e.text)) |"
    }

    /// A post-incident review skeleton: summary, impact, R and A, timeline, SLA clocks met or missed.
    public func markdown(
        _ incident: Incident,
        _ entries: [TimelineEntry],
        now: Date? = nil,
        escape: (String) -> String = { $0 }
    ) -> String {
        let type = config.eventTypes[incident.eventType]
        let clocks = ClockResult.evaluate(incident, config: config, now: now ?? entries.last?.at ?? incident.declaredAt)
        func cell(_ s: String) -> String { Self.markdownPipes(escape(OneLine.clean(s))) }
        func name(_ id: String) -> String { cell(self.name(id)) }
        let r = incident.responsible.map(name).joined(separator: ", ")
        let a = incident.accountable.map(name).joined(separator: ", ")
        let title = cell(incident.title)
        let summary = incident.summary.map(cell)
        var md = [
            config.word(
                .reviewHead,
                [
                    "id": incident.id.rawValue, "title": title, "event_type_name": type?.name ?? incident.eventType,
                    "event_type": incident.eventType, "severity": incident.severity,
                    "state": incident.state.rawValue, "declared_at": tz.iso8601(incident.declaredAt),
                    "declared_by": name(incident.declaredBy), "summary": summary ?? config.word(.reviewNoSummary),
                    "responsible": r, "accountable": a,
                ]
            )
        ]
        for (role, person) in incident.assignments.sorted(by: { $0.key < $1.key }) {
            md.append("- \(role): \(name(person))")
        }
        md += [
            "", config.word(.reviewSLAHeading), "",
            config.word(.reviewSLAHeader), "|---|---|---|---|",
        ]
        for c in clocks {
            let label = config.word(c.clock == .firstResponse ? .clockFirstResponse : .clockRestore)
            md.append("| \(label) | \(c.target) | \(c.elapsed) | \(c.status.rawValue) |")
        }
        md += [
            "", config.word(.reviewTimelineHeading), "",
            config.word(.reviewTimelineHeader), "|---|---|---|---|",
        ]
        for e in entries { md.append(markdownRow(e, escape: escape)) }
        md += ["", config.word(.reviewFollowUpHeading), "", "- [ ] ", ""]
        return md.joined(separator: "\n")
    }
}
