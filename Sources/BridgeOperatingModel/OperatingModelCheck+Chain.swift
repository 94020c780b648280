import BridgeCore
import Foundation

/// The SLA/OLA/UC chain checks.
extension OperatingModelCheck {
    var slas: [BridgeConfiguration.Agreement] { config.agreements.filter { $0.kind == .sla } }
    var olas: [BridgeConfiguration.Agreement] { config.agreements.filter { $0.kind == .ola } }
    var ucs: [BridgeConfiguration.Agreement] { config.agreements.filter { $0.kind == .uc } }
    var sortedSeverities: [BridgeConfiguration.Severity] { config.severities.values.sorted { $0.id < $1.id } }

    /// SLA, OLA and UC targets that fit together: each agreement complete, the bot's clocks no looser than the
    /// SLA, hand-overs plus the supplier's start inside the restore target, and escalation no slower than OLAs.
    func checkChain(_ c: inout Collector) {
        if config.agreements.isEmpty {
            c.warning(
                .chain,
                "agreements",
                "no SLA, OLA or UC: the chain behind the user-facing promises cannot be checked"
            )
            return
        }
        if slas.isEmpty {
            c.warning(.chain, "agreements", "no SLA (kind: sla): nothing to check the OLAs and UCs against")
        }
        for ola in olas where ola.escalateWithin == nil {
            c.warning(.chain, ola.keyPath, "OLA \(ola.id) has no escalate_within: the hand-over time is not agreed")
        }
        for uc in ucs {
            var missing: [String] = []
            if uc.startWithin == nil { missing.append("start_within") }
            if uc.restore == nil { missing.append("restore") }
            if uc.updateEvery == nil { missing.append("update_every") }
            if !missing.isEmpty {
                c.warning(
                    .chain,
                    uc.keyPath,
                    "UC \(uc.id) states no \(Self.list(missing)): a supplier contract must state "
                        + "its start time, restore target and status-update frequency"
                )
            }
        }
        checkClocksAgainstSLA(&c)
        checkHandOversFitSLA(&c)
        checkUCUpdateCadence(&c)
        checkEscalationAgainstOLA(&c)
    }

    /// Severities' clocks against the SLA: the bot must not measure looser than what users were promised.
    func checkClocksAgainstSLA(_ c: inout Collector) {
        let severities = sortedSeverities
        for sla in slas {
            if let fr = sla.firstResponse, let tight = severities.min(by: { $0.firstResponse < $1.firstResponse }),
                tight.firstResponse > fr
            {
                c.error(
                    .chain,
                    "severities.\(tight.id).first_response",
                    "tightest severity first response \(tight.firstResponse) > SLA \(sla.id) first response \(fr): "
                        + "the bot's clocks would warn after the promise is broken"
                )
            }
            if let rs = sla.restore, let tight = severities.min(by: { $0.restore < $1.restore }), tight.restore > rs {
                c.error(
                    .chain,
                    "severities.\(tight.id).restore",
                    "tightest severity restore \(tight.restore) > SLA \(sla.id) restore \(rs): "
                        + "the bot's clocks would warn after the promise is broken"
                )
            }
        }
    }

    /// OLA hand-overs + the UC's start time must fit inside the SLA's restore target.
    func checkHandOversFitSLA(_ c: inout Collector) {
        for sla in slas {
            guard let restore = sla.restore else { continue }
            for uc in ucs {
                guard let start = uc.startWithin else { continue }
                let chain = uc.party.map(olaChain(to:)) ?? []
                let parts =
                    chain.map { "\(Self.olaName($0)) \($0.escalateWithin ?? .init(seconds: 0))" }
                    + ["UC \(uc.id) start \(start)"]
                let total = chain.reduce(start) { $0 + ($1.escalateWithin ?? .init(seconds: 0)) }
                let sum = parts.joined(separator: " + ") + (parts.count > 1 ? " = \(total)" : "")
                let path = uc.keyPath.isEmpty ? "agreements" : "\(uc.keyPath).start_within"
                if total > restore {
                    c.error(
                        .chain,
                        path,
                        "\(sum) > SLA \(sla.id) restore \(restore): recovery may only start after "
                            + "the restore target has passed"
                    )
                } else if (restore.seconds - total.seconds) * 3 < restore.seconds {
                    c.warning(
                        .chain,
                        path,
                        "\(sum) leaves \(BridgeDuration(seconds: restore.seconds - total.seconds)) "
                            + "of SLA \(sla.id) restore \(restore) for the recovery itself (less than a third)"
                    )
                } else {
                    c.checked.append("Chain: \(sum) <= SLA \(sla.id) restore \(restore)")
                }
                if let ucRestore = uc.restore {
                    let rp = uc.keyPath.isEmpty ? "agreements" : "\(uc.keyPath).restore"
                    if ucRestore > restore {
                        c.error(
                            .chain,
                            rp,
                            "UC \(uc.id) restore \(ucRestore) > SLA \(sla.id) restore \(restore): "
                                + "the supplier may restore after the users were promised"
                        )
                    } else {
                        c.checked.append("Chain: UC \(uc.id) restore \(ucRestore) <= SLA \(sla.id) restore \(restore)")
                    }
                }
            }
        }
    }

    /// UC status updates must come at least as often as the severity's update cadence.
    func checkUCUpdateCadence(_ c: inout Collector) {
        let severities = sortedSeverities
        let paging = severities.filter(\.page)
        if let cadence = (paging.isEmpty ? severities : paging).min(by: { $0.updateEvery < $1.updateEvery }) {
            for uc in ucs {
                guard let every = uc.updateEvery else { continue }
                let path = uc.keyPath.isEmpty ? "agreements" : "\(uc.keyPath).update_every"
                if every > cadence.updateEvery {
                    c.error(
                        .chain,
                        path,
                        "UC \(uc.id) updates every \(every) > severities.\(cadence.id).update_every "
                            + "\(cadence.updateEvery): status posts would have nothing new from the supplier"
                    )
                } else {
                    c.checked.append(
                        "Chain: UC \(uc.id) updates every \(every) <= severities.\(cadence.id).update_every \(cadence.updateEvery)"
                    )
                }
            }
        }
    }

    /// The bot's escalation must hand over no later than the OLA says.
    func checkEscalationAgainstOLA(_ c: inout Collector) {
        for ola in olas {
            guard let within = ola.escalateWithin, let from = ola.from, let to = ola.to else { continue }
            for policy in config.escalationPolicies.values.sorted(by: { $0.id < $1.id }) {
                for (i, step) in policy.steps.enumerated().dropLast()
                where step.notify.contains(from) && policy.steps[i + 1].notify.contains(to) {
                    let path = "escalation_policies.\(policy.id).steps[\(i)].ack_within"
                    if step.ackWithin > within {
                        c.error(
                            .chain,
                            path,
                            "waits \(step.ackWithin) before paging \(to) > \(Self.olaName(ola)) "
                                + "escalate within \(within)"
                        )
                    } else {
                        c.checked.append(
                            "Chain: escalation \(policy.id) hands \(from)->\(to) after \(step.ackWithin) "
                                + "<= \(Self.olaName(ola)) \(within)"
                        )
                    }
                }
            }
        }
    }
}
