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
    var ja: Bool { config.locale == .ja }

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
        var md: [String] = []
        if ja {
            md += [
                "# 事後レビュー: \(incident.id) \(title)", "",
                "## 概要", "",
                "- イベント種別: \(type?.name ?? incident.eventType) (`\(incident.eventType)`)",
                "- 重大度: \(incident.severity)", "- 状態: \(incident.state.rawValue)",
                "- 宣言: \(tz.iso8601(incident.declaredAt))（\(name(incident.declaredBy))）",
                "- 復旧内容: \(summary ?? "（未記入）")", "",
                "## 影響", "", "（影響範囲・利用者数・業務影響を記入）", "",
                "## 体制", "", "- R（実行責任者）: \(r)", "- A（説明責任者）: \(a)",
            ]
        } else {
            md += [
                "# Post-incident review: \(incident.id) \(title)", "",
                "## Summary", "",
                "- Event type: \(type?.name ?? incident.eventType) (`\(incident.eventType)`)",
                "- Severity: \(incident.severity)", "- State: \(incident.state.rawValue)",
                "- Declared: \(tz.iso8601(incident.declaredAt)) by \(name(incident.declaredBy))",
                "- Resolution: \(summary ?? "(to be written)")", "",
                "## Impact", "", "(who and what was affected, for how long)", "",
                "## Who decided", "", "- R (responsible): \(r)", "- A (accountable): \(a)",
            ]
        }
        for (role, person) in incident.assignments.sorted(by: { $0.key < $1.key }) {
            md.append("- \(role): \(name(person))")
        }
        md += [
            "", ja ? "## SLA" : "## SLA clocks", "",
            ja ? "| クロック | 目標 | 実績 | 判定 |" : "| clock | target | actual | result |", "|---|---|---|---|",
        ]
        for c in clocks {
            let label = c.clock == .firstResponse ? (ja ? "初動" : "first response") : (ja ? "復旧" : "restore")
            md.append("| \(label) | \(c.target) | \(c.elapsed) | \(c.status.rawValue) |")
        }
        md += [
            "", ja ? "## タイムライン" : "## Timeline", "",
            ja ? "| 時刻 | 実施者 | 種別 | 内容 |" : "| time | actor | kind | text |", "|---|---|---|---|",
        ]
        for e in entries { md.append(markdownRow(e, escape: escape)) }
        md += ["", ja ? "## 再発防止策" : "## Follow-up actions", "", "- [ ] ", ""]
        return md.joined(separator: "\n")
    }
}
