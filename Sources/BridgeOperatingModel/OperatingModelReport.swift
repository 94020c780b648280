import BridgeCore
import Foundation

/// The result of `OperatingModelCheck`: findings, what passed (with its numbers) and the coverage matrix;
/// rendered as text or JSON by `incident-bridge check`.
public struct OperatingModelReport: Sendable, Codable, Equatable {
    public var configPath: String?
    /// Errors first, then warnings, each in file order.
    public var findings: [ModelFinding]
    /// Checks that passed, with the numbers behind them (evidence for the readiness review).
    public var checked: [String]
    public var coverage: CoverageMatrix
    /// The folder runbooks were found in, if any.
    public var runbookDirectory: String?

    public var errors: [ModelFinding] { findings.filter { $0.level == .error } }
    public var warnings: [ModelFinding] { findings.filter { $0.level == .warning } }
    /// False when there is at least one error (`check` exits 1).
    public var ok: Bool { errors.isEmpty }

    /// Findings of the given areas.
    public func findings(in areas: Set<ModelFinding.Area>) -> [ModelFinding] {
        findings.filter { areas.contains($0.area) }
    }

    static func count(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    /// The human report: findings, the 3x9 coverage table, what passed, and a last line with the verdict.
    public func text() -> String {
        var out = [
            "\(configPath ?? "config"): \(Self.count(errors.count, "error")), \(Self.count(warnings.count, "warning"))"
        ]
        let areaWidth = ModelFinding.Area.allCases.map(\.rawValue.count).max() ?? 8
        func block(_ title: String, _ xs: [ModelFinding]) {
            guard !xs.isEmpty else { return }
            out.append("")
            out.append(title)
            for f in xs { out.append("  \(TextColumns.pad(f.area.rawValue, areaWidth))  \(f)") }
        }
        block("Errors", errors)
        block("Warnings", warnings)
        out.append("")
        out.append(coverage.text())
        if !checked.isEmpty {
            out.append("")
            out.append("Checked")
            out.append(contentsOf: checked.map { "  ok  \($0)" })
        }
        out.append("")
        out.append(
            ok
                ? (warnings.isEmpty ? "OK: no holes found" : "OK with \(Self.count(warnings.count, "warning"))")
                : "FAIL: \(Self.count(errors.count, "error")) (exit 1)"
        )
        return out.joined(separator: "\n")
    }

    /// The JSON document of `check --format json`.
    public func json() -> String {
        struct Doc: Encodable {
            var config: String?
            var ok: Bool
            var errors: Int
            var warnings: Int
            var findings: [ModelFinding]
            var checked: [String]
            var coverage: CoverageMatrix
            var runbook_directory: String?
        }
        let doc = Doc(
            config: configPath,
            ok: ok,
            errors: errors.count,
            warnings: warnings.count,
            findings: findings,
            checked: checked,
            coverage: coverage,
            runbook_directory: runbookDirectory
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(doc)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
