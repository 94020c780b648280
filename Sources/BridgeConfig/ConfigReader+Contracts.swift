import BridgeCore
import Foundation
import Yams

/// `agreements`, `coverage`, `hypercare`: the SLA/OLA/UC chain, the contract-coverage matrix and the exit
/// criteria of hypercare.
extension ConfigReader {
    /// `agreements`: SLA, OLA and UC targets between roles.
    mutating func readAgreements(_ top: [(String, Node)], roles: [String: BridgeConfiguration.Role]) -> [BridgeConfiguration.Agreement] {
        var agreements: [BridgeConfiguration.Agreement] = []
        if let node = value(top, "agreements") {
            if let seq = node.sequence {
                let keys: Set<String> = [
                    "id", "kind", "name", "first_response", "restore", "update_every",
                    "escalate_within", "start_within", "from", "to", "party",
                ]
                for (i, n) in seq.enumerated() {
                    let path = "agreements[\(i)]"
                    let p = pairs(n, path, allowed: keys)
                    let kindText = string(value(p, "kind"), "\(path).kind", required: true, parent: n) ?? ""
                    let kind = BridgeConfiguration.Agreement.Kind(rawValue: kindText)
                    if kind == nil && !kindText.isEmpty {
                        fail("\(path).kind", value(p, "kind"), "expected sla, ola or uc, got '\(kindText)'")
                    }
                    for k in ["from", "to", "party"] {
                        if let r = value(p, k)?.scalar?.string, roles[r] == nil {
                            fail("\(path).\(k)", value(p, k), "unknown role '\(r)' (not under roles)")
                        }
                    }
                    let id = string(value(p, "id"), "\(path).id", required: true, parent: n) ?? "agreement\(i)"
                    agreements.append(
                        .init(
                            id: id,
                            kind: kind ?? .sla,
                            name: string(value(p, "name"), "\(path).name") ?? id,
                            firstResponse: duration(value(p, "first_response"), "\(path).first_response"),
                            restore: duration(value(p, "restore"), "\(path).restore"),
                            updateEvery: duration(value(p, "update_every"), "\(path).update_every"),
                            escalateWithin: duration(value(p, "escalate_within"), "\(path).escalate_within"),
                            startWithin: duration(value(p, "start_within"), "\(path).start_within"),
                            from: value(p, "from")?.scalar?.string,
                            to: value(p, "to")?.scalar?.string,
                            party: value(p, "party")?.scalar?.string,
                            keyPath: path
                        )
                    )
                }
            } else {
                fail("agreements", node, "expected a list of agreements")
            }
        }
        return agreements
    }

    /// `coverage`: the contract-coverage matrix, layer x item.
    mutating func readCoverage(_ top: [(String, Node)], roles: [String: BridgeConfiguration.Role]) -> [BridgeConfiguration.CoverageCell] {
        var coverage: [BridgeConfiguration.CoverageCell] = []
        for (layer, layerNode) in pairs(
            value(top, "coverage"),
            "coverage",
            allowed: Set(BridgeConfiguration.coverageLayers)
        ) {
            for (item, cellNode) in pairs(
                layerNode,
                "coverage.\(layer)",
                allowed: Set(BridgeConfiguration.coverageItems)
            ) {
                let path = "coverage.\(layer).\(item)"
                let p = pairs(cellNode, path, allowed: ["owner", "status", "sla"])
                let owner = string(value(p, "owner"), "\(path).owner")
                if let owner, !owner.isEmpty, roles[owner] == nil {
                    fail("\(path).owner", value(p, "owner"), "unknown role '\(owner)' (not under roles)")
                }
                let st = string(value(p, "status"), "\(path).status") ?? "undecided"
                let status = BridgeConfiguration.CoverageCell.Status(rawValue: st)
                if status == nil {
                    fail(
                        "\(path).status",
                        value(p, "status"),
                        "expected contracted, in_house or undecided, got '\(st)'"
                    )
                }
                coverage.append(
                    .init(
                        layer: layer,
                        item: item,
                        owner: owner?.isEmpty == true ? nil : owner,
                        status: status ?? .undecided,
                        sla: string(value(p, "sla"), "\(path).sla"),
                        line: cellNode.mark?.line ?? 0
                    )
                )
            }
        }
        return coverage
    }

    /// `hypercare`: the period and the criteria for leaving it.
    mutating func readHypercare(_ top: [(String, Node)]) -> BridgeConfiguration.Hypercare? {
        var hypercare: BridgeConfiguration.Hypercare?
        if let h = value(top, "hypercare") {
            let p = pairs(h, "hypercare", allowed: ["start", "days", "bau_criteria"])
            let c = pairs(
                value(p, "bau_criteria"),
                "hypercare.bau_criteria",
                allowed: ["mttr_max", "first_response_max", "sev1_max", "change_success_min"]
            )
            var rate: Double?
            if let n = value(c, "change_success_min") {
                let s = string(n, "hypercare.bau_criteria.change_success_min") ?? ""
                rate = Double(s).flatMap { (0...1).contains($0) ? $0 : nil }
                if rate == nil {
                    fail("hypercare.bau_criteria.change_success_min", n, "expected a fraction from 0 to 1, got '\(s)'")
                }
            }
            let start = string(value(p, "start"), "hypercare.start", required: true, parent: h) ?? ""
            if !start.isEmpty, !Self.isISODate(start) {
                fail("hypercare.start", value(p, "start"), "expected YYYY-MM-DD, got '\(start)'")
            }
            hypercare = .init(
                start: start,
                days: int(value(p, "days"), "hypercare.days", min: 1, max: 365) ?? 30,
                mttrMax: duration(value(c, "mttr_max"), "hypercare.bau_criteria.mttr_max"),
                firstResponseMax: duration(value(c, "first_response_max"), "hypercare.bau_criteria.first_response_max"),
                sev1Max: int(value(c, "sev1_max"), "hypercare.bau_criteria.sev1_max"),
                changeSuccessMin: rate
            )
        }
        return hypercare
    }
}
