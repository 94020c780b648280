import BridgeCore
import Foundation

/// The contract-coverage matrix (3 layers x 9 items) with its holes marked: the brief's one-page view.
public struct CoverageMatrix: Sendable, Codable, Equatable {
    /// One cell and what is wrong with it (empty `holes` when it is decided, owned and, if contracted, has an SLA).
    public struct Cell: Sendable, Codable, Equatable {
        public var layer: String
        public var item: String
        public var owner: String?
        /// `contracted`, `in_house`, `undecided`, or `missing` when the config has no such cell.
        public var status: String
        public var sla: String?
        public var line: Int?
        public var holes: [String]
        public var isHole: Bool { !holes.isEmpty }
    }

    public var layers: [String]
    public var items: [String]
    /// Row-major: every item of `platform`, then `application`, then `business_operations`.
    public var cells: [Cell]

    /// Plain-language labels for the items, in the brief's words.
    public static let itemLabels: [String: String] = [
        "monitoring": "monitoring/detection", "first_response": "first response", "bug_fix": "bug fix",
        "change": "change/small fix", "patch": "patch/vulnerability", "access": "access/accounts",
        "backup": "BCP/backup", "change_management": "change management", "capacity": "capacity",
    ]

    /// Builds the matrix from the config, marking undecided, unowned, missing and SLA-less contracted cells.
    public init(config: BridgeConfiguration) {
        layers = BridgeConfiguration.coverageLayers
        items = BridgeConfiguration.coverageItems
        var out: [Cell] = []
        for layer in layers {
            for item in items {
                guard let c = config.coverage.first(where: { $0.layer == layer && $0.item == item }) else {
                    out.append(
                        Cell(
                            layer: layer,
                            item: item,
                            owner: nil,
                            status: "missing",
                            sla: nil,
                            line: nil,
                            holes: ["not in the matrix"]
                        )
                    )
                    continue
                }
                var holes: [String] = []
                if c.status == .undecided { holes.append("status undecided") }
                if c.owner == nil { holes.append("no owner") }
                if c.status == .contracted, (c.sla ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                    holes.append("contracted without an SLA value")
                }
                out.append(
                    Cell(
                        layer: layer,
                        item: item,
                        owner: c.owner,
                        status: c.status.rawValue,
                        sla: c.sla,
                        line: c.line > 0 ? c.line : nil,
                        holes: holes
                    )
                )
            }
        }
        cells = out
    }

    /// The cell at `layer` x `item`.
    public func cell(_ layer: String, _ item: String) -> Cell? {
        cells.first { $0.layer == layer && $0.item == item }
    }

    public var holes: [Cell] { cells.filter(\.isHole) }

    /// The 3x9 table as aligned text: items down, layers across, two lines a cell (status and owner, SLA),
    /// holes marked `!!`.
    public func text(cellWidth: Int = 27) -> String {
        let itemWidth = items.map(\.count).max() ?? 10
        func cellLines(_ c: Cell) -> [String] {
            let status = ["contracted": "C", "in_house": "H", "undecided": "?"][c.status] ?? "-"
            let first = c.status == "missing" ? "- (missing)" : status + " " + (c.owner ?? "(no owner)")
            let second =
                c.isHole
                ? c.holes.filter { $0 != "no owner" && $0 != "status undecided" }.joined(separator: ", ")
                : (c.sla ?? "")
            return [(c.isHole ? "!! " : "   ") + first, "   " + second].map {
                TextColumns.pad(TextColumns.truncate($0, cellWidth), cellWidth)
            }
        }
        var lines = [
            "Coverage matrix (3 layers x 9 items): \(holes.count) hole\(holes.count == 1 ? "" : "s")"
                + "   C contracted · H in-house · ? undecided · !! hole"
        ]
        let header = [TextColumns.pad("item", itemWidth)] + layers.map { TextColumns.pad("   " + $0, cellWidth) }
        let rule =
            "  "
            + ([String(repeating: "-", count: itemWidth)]
            + layers.map { _ in String(repeating: "-", count: cellWidth) }).joined(separator: "-+-")
        lines.append(TextColumns.trimTrailing("  " + header.joined(separator: " | ")))
        lines.append(rule)
        for item in items {
            let cols = layers.map { layer in cell(layer, item).map(cellLines) ?? ["", ""] }
            for i in 0..<2 {
                let row = [TextColumns.pad(i == 0 ? item : "", itemWidth)] + cols.map { $0[i] }
                let text = TextColumns.trimTrailing("  " + row.joined(separator: " | "))
                if i == 0 || cols.contains(where: { !$0[1].trimmingCharacters(in: .whitespaces).isEmpty }) {
                    lines.append(text)
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    /// The table in Markdown (readiness report).
    public func markdown() -> String {
        var lines = [
            "| item | " + layers.joined(separator: " | ") + " |",
            "|---|" + layers.map { _ in "---|" }.joined(),
        ]
        for item in items {
            let cols = layers.map { layer -> String in
                guard let c = cell(layer, item) else { return "" }
                if c.status == "missing" { return "**HOLE**: missing" }
                var s = "\(c.owner ?? "no owner") · \(c.status)"
                if let sla = c.sla, !sla.isEmpty { s += " · \(sla)" }
                return (c.isHole ? "**HOLE** (\(c.holes.joined(separator: ", "))): " : "") + s
            }
            lines.append("| \(item) | " + cols.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}

/// Padding and truncation by display width (CJK characters take two columns), for aligned text tables.
enum TextColumns {
    static func width(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { n, u in
            let v = u.value
            if (0x0300...0x036F).contains(v) || v == 0x200B { return n }
            let wide =
                (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v)
            return n + (wide ? 2 : 1)
        }
    }

    static func pad(_ s: String, _ w: Int) -> String {
        let n = width(s)
        return n >= w ? s : s + String(repeating: " ", count: w - n)
    }

    static func truncate(_ s: String, _ w: Int) -> String {
        guard width(s) > w else { return s }
        var out = ""
        for ch in s {
            if width(out + String(ch)) > w - 1 { break }
            out.append(ch)
        }
        return out + "…"
    }

    static func trimTrailing(_ text: String) -> String {
        var s = text
        while s.last == " " { s.removeLast() }
        return s
    }
}
