import BridgeCore
import Foundation

/// Lints the operating model of a configuration: RACI rows, roles and reachability, escalation waits, the
/// SLA/OLA/UC chain, the coverage matrix and runbooks. `incident-bridge check` prints its report.
public struct OperatingModelCheck: Sendable {
    public var config: BridgeConfiguration
    /// Key path -> line in the config file (from the loader), so findings can name the line.
    public var lines: [String: Int]
    /// The folder runbook files are looked up in; nil when none of the candidates exists.
    public var runbookDirectory: String?
    /// The folders that were tried for `runbooks.directory`, in order.
    public var runbookCandidates: [String]
    /// Where runbook files are looked up.
    public var files: any FileProbe
    /// The moment the on-call gaps are looked for from (the next 8 weeks).
    public var now = Date()

    /// Prepares a check. Runbooks are looked up as described in `runbookDirectoryCandidates`.
    public init(
        config: BridgeConfiguration,
        lines: [String: Int] = [:],
        currentDirectory: String? = nil,
        files: any FileProbe = LocalFiles()
    ) {
        self.config = config
        self.lines = lines
        self.files = files
        self.runbookCandidates = Self.runbookDirectoryCandidates(
            config: config,
            currentDirectory: currentDirectory ?? files.currentDirectory
        )
        self.runbookDirectory = runbookCandidates.first { files.isDirectory($0) }
    }

    /// Where `runbooks.directory` is looked for, first existing folder wins: an absolute path as is; else
    /// relative to the config file's folder, then to that folder's parent (so `Examples/bridge.yaml` finds
    /// `./Runbooks`), then to the current directory.
    public static func runbookDirectoryCandidates(config: BridgeConfiguration, currentDirectory: String) -> [String] {
        let dir = config.runbooks.directory.isEmpty ? "." : config.runbooks.directory
        if dir.hasPrefix("/") { return [dir] }
        var out: [String] = []
        if let source = config.sourcePath {
            var folder = (source as NSString).deletingLastPathComponent
            if folder.isEmpty { folder = "." }
            if !folder.hasPrefix("/") { folder = (currentDirectory as NSString).appendingPathComponent(folder) }
            folder = (folder as NSString).standardizingPath
            out.append((folder as NSString).appendingPathComponent(dir))
            out.append(((folder as NSString).deletingLastPathComponent as NSString).appendingPathComponent(dir))
        }
        out.append((currentDirectory as NSString).appendingPathComponent(dir))
        var seen = Set<String>()
        return out.map { ($0 as NSString).standardizingPath }.filter { seen.insert($0).inserted }
    }

    /// Runs every check.
    public func run() -> OperatingModelReport {
        var c = Collector(lines: lines)
        checkRACI(&c)
        checkRoles(&c)
        checkReachability(&c)
        checkEscalation(&c)
        checkChain(&c)
        let matrix = CoverageMatrix(config: config)
        checkCoverage(matrix, &c)
        checkRunbooks(&c)
        checkBridgeAndHypercare(&c)
        checkSecurity(&c)
        checkOnCall(&c, now: now)
        return OperatingModelReport(
            configPath: config.sourcePath,
            findings: c.sorted(),
            checked: c.checked,
            coverage: matrix,
            runbookDirectory: runbookDirectory
        )
    }

    // MARK: - Collecting

    struct Collector {
        var lines: [String: Int]
        var findings: [ModelFinding] = []
        var checked: [String] = []

        /// The line of `path`, or of its nearest parent that has one.
        func line(_ path: String) -> Int? {
            var p = path
            while true {
                if let l = lines[p] { return l }
                guard let cut = p.lastIndex(where: { $0 == "." || $0 == "[" }) else { return nil }
                p = String(p[..<cut])
            }
        }

        mutating func error(_ area: ModelFinding.Area, _ path: String, _ message: String) {
            findings.append(.init(level: .error, area: area, path: path, line: line(path), message: message))
        }

        mutating func warning(_ area: ModelFinding.Area, _ path: String, _ message: String) {
            findings.append(.init(level: .warning, area: area, path: path, line: line(path), message: message))
        }

        /// Errors first, then warnings; each in file order.
        func sorted() -> [ModelFinding] {
            findings.enumerated().sorted { l, r in
                if l.element.level != r.element.level { return l.element.level == .error }
                let a = l.element.line ?? Int.max
                let b = r.element.line ?? Int.max
                return a != b ? a < b : l.offset < r.offset
            }.map(\.element)
        }
    }

    var eventTypes: [BridgeConfiguration.EventType] { config.eventTypes.values.sorted { $0.id < $1.id } }

    static func list(_ xs: [String]) -> String { xs.joined(separator: ", ") }

    // MARK: - RACI

    func checkRACI(_ c: inout Collector) {
        var good = 0
        for et in eventTypes {
            let path = "event_types.\(et.id).raci"
            let row = et.raci.map { "\($0.role) \($0.letter.rawValue)" }.joined(separator: ", ")
            let a = et.roles(.A)
            let r = et.roles(.R)
            if a.isEmpty {
                c.error(
                    .raci,
                    path,
                    "no A in [\(row)]: exactly one role must be accountable; nobody is named to lead and decide"
                )
            } else if a.count > 1 {
                c.error(.raci, path, "\(a.count) A's (\(Self.list(a))): exactly one role must be accountable [Aは一人に絞る]")
            }
            if r.isEmpty {
                c.error(.raci, path, "no R in [\(row)]: at least one role must be responsible for doing the work")
            } else if r.count > 1 {
                c.warning(
                    .raci,
                    path,
                    "\(r.count) R's (\(Self.list(r))): consider one lead R; several R's blur who acts"
                )
            }
            for entry in et.raci where config.roles[entry.role] == nil {
                c.error(.raci, "\(path).\(entry.role)", "unknown role '\(entry.role)' (not under roles)")
            }
            if a.count == 1 && !r.isEmpty { good += 1 }
            if et.escalation == nil, config.severities[et.severity]?.page == true {
                c.warning(
                    .escalation,
                    "event_types.\(et.id)",
                    "severity \(et.severity) pages, but the event type has no escalation policy: nobody is paged"
                )
            }
        }
        if good == eventTypes.count {
            c.checked.append("RACI: all \(good) event types have exactly one A and at least one R")
        }
    }

    // MARK: - Roles and reachability

    /// Roles named anywhere: RACI rows, escalation steps, coverage owners, agreements.
    var referencedRoles: [String: [String]] {
        var refs: [String: [String]] = [:]
        for et in eventTypes { for e in et.raci { refs[e.role, default: []].append("event_types.\(et.id).raci") } }
        for p in config.escalationPolicies.values.sorted(by: { $0.id < $1.id }) {
            for (i, s) in p.steps.enumerated() {
                for r in s.notify { refs[r, default: []].append("escalation_policies.\(p.id).steps[\(i)]") }
            }
        }
        for cell in config.coverage {
            if let o = cell.owner { refs[o, default: []].append("coverage.\(cell.layer).\(cell.item)") }
        }
        for a in config.agreements {
            for r in [a.from, a.to, a.party].compactMap({ $0 }) { refs[r, default: []].append(a.keyPath) }
        }
        return refs
    }

    func checkRoles(_ c: inout Collector) {
        let refs = referencedRoles
        for role in config.roles.values.sorted(by: { $0.id < $1.id }) {
            if role.members.isEmpty {
                let used = Array(Set(refs[role.id] ?? [])).sorted()
                let named =
                    used.isEmpty
                    ? ""
                    : ", but named in \(Self.list(Array(used.prefix(3))))"
                        + (used.count > 3 ? " and \(used.count - 3) more" : "")
                let message = "no members" + named
                c.error(.roles, "roles.\(role.id).members", message + ": nobody would be notified or held to it")
            }
            for (i, m) in role.members.enumerated() where config.people[m] == nil {
                c.error(.roles, "roles.\(role.id).members[\(i)]", "unknown person '\(m)' (not under people)")
            }
        }
        for (role, paths) in refs.sorted(by: { $0.key < $1.key }) where config.roles[role] == nil {
            c.error(.roles, paths[0], "unknown role '\(role)' (not under roles)")
        }
        if config.roles.values.allSatisfy({ !$0.members.isEmpty }) {
            c.checked.append("Roles: all \(config.roles.count) roles have members")
        }
    }

    /// Pagers that address a person, with the person's address on each (pager ids: this module does not see the
    /// pager registry of BridgePaging).
    static let personPagers:
        [(section: String, name: String, handle: @Sendable (BridgeConfiguration.Person) -> String?)] = [
            ("paging", "pagerduty", { $0.pagers["pagerduty"] }), ("paging", "opsgenie", { $0.pagers["opsgenie"] }),
            ("paging", "email", { $0.email }),
        ]

    /// Chat platforms that address a person (their traits name a `people.<id>` key), with the person's handle on
    /// each, then the pagers: learned from the platform registry through the config, never spelled here.
    var personChannels: [(section: String, name: String, handle: @Sendable (BridgeConfiguration.Person) -> String?)] {
        let chat = config.platformTraits.values.filter { $0.personKey != nil }.map(\.id).sorted()
        return chat.map { id in ("chat", id, { $0.handle(id) }) } + Self.personPagers
    }

    func checkReachability(_ c: inout Collector) {
        let configured = personChannels.filter { ch in
            ch.section == "chat" ? config.chat.platforms[ch.name] != nil : config.paging.channels[ch.name] != nil
        }
        // Chat platforms that only post (nobody is identified there): they reach a channel, not a person.
        let postOnly = config.platformTraits.values.filter { $0.identity == .nobody }.map(\.id).sorted()
        guard !configured.isEmpty else {
            let webhooks =
                postOnly.filter { config.chat.platforms[$0] != nil }.map { "chat.\($0)" }
                + (config.paging.channels["webhook"] != nil ? ["paging.webhook"] : [])
            let path =
                config.chat.platforms.isEmpty && config.paging.channels.isEmpty ? "chat" : (webhooks.first ?? "chat")
            c.warning(
                .reachability,
                path,
                "no chat platform or pager is configured, only the console"
                    + (webhooks.isEmpty
                        ? "" : " and \(Self.list(webhooks)) (a webhook reaches a channel, not a person)")
                    + ": posts are printed where `serve` runs and nobody is paged away from it "
                    + "(configure chat.\(personChannels.filter { $0.section == "chat" }.map(\.name).joined(separator: "|")) "
                    + "or paging.pagerduty|opsgenie|email)"
            )
            return
        }
        let names = configured.map { "\($0.section).\($0.name)" }
        var members: [(person: String, roles: [String])] = []
        for role in config.roles.values.sorted(by: { $0.id < $1.id }) {
            for m in role.members {
                if let i = members.firstIndex(where: { $0.person == m }) {
                    members[i].roles.append(role.id)
                } else {
                    members.append((m, [role.id]))
                }
            }
        }
        var reachable = 0
        for (id, roles) in members {
            guard let p = config.people[id] else { continue }
            if configured.contains(where: { !($0.handle(p) ?? "").isEmpty }) {
                reachable += 1
            } else {
                c.error(
                    .reachability,
                    "people.\(id)",
                    "member of \(Self.list(roles.map { "roles.\($0)" })) but has no handle on any configured channel "
                        + "(\(Self.list(names))): add one so pages and mentions reach them"
                )
            }
        }
        if reachable == members.count {
            c.checked.append("Reachability: all \(reachable) role members reachable on \(Self.list(names))")
        }
    }

    // MARK: - Escalation

    func checkEscalation(_ c: inout Collector) {
        for policy in config.escalationPolicies.values.sorted(by: { $0.id < $1.id }) {
            let path = "escalation_policies.\(policy.id)"
            guard !policy.steps.isEmpty else {
                c.error(.escalation, "\(path).steps", "no steps: nobody is paged")
                continue
            }
            let users = eventTypes.filter { $0.escalation == policy.id }
            guard !users.isEmpty else { continue }
            // The tightest first-response target among the severities of the event types using this policy.
            let targets = users.compactMap { et in config.severities[et.severity].map { (et, $0) } }
            guard
                let tightest = targets.min(by: {
                    ($0.1.firstResponse, $0.1.id, $0.0.id) < ($1.1.firstResponse, $1.1.id, $1.0.id)
                })
            else { continue }
            let (et, sev) = tightest
            let target = sev.firstResponse
            let targetText = "first response \(target) (severities.\(sev.id).first_response, event type \(et.id))"
            let waits = policy.steps.map(\.ackWithin)
            let total = waits.reduce(BridgeDuration(seconds: 0), +)
            let sumText = waits.map(\.description).joined(separator: " + ")
            if waits[0] > target {
                c.error(
                    .escalation,
                    "\(path).steps[0].ack_within",
                    "first step waits \(waits[0]) > \(targetText): the first escalation comes after the target has passed"
                )
            } else if total > target {
                var pagedAt = BridgeDuration(seconds: 0)
                var late: [String] = []
                for step in policy.steps {
                    if pagedAt > target { late.append("\(Self.list(step.notify)) at \(pagedAt)") }
                    pagedAt = pagedAt + step.ackWithin
                }
                c.warning(
                    .escalation,
                    path,
                    "total wait \(sumText) = \(total) > \(targetText)"
                        + (late.isEmpty ? "" : ": \(Self.list(late)) paged only after the target has passed")
                )
            } else {
                c.checked.append("Escalation \(policy.id): total wait \(sumText) = \(total) <= \(targetText)")
            }
        }
    }

    // MARK: - SLA / OLA / UC chain

    /// The OLAs that lead, hand by hand, to `role` (ops -> dev -> ...), first hand first.
    func olaChain(to role: String) -> [BridgeConfiguration.Agreement] {
        var chain: [BridgeConfiguration.Agreement] = []
        var target = role
        var seen = Set<String>()
        while let ola = config.agreements.first(where: { $0.kind == .ola && $0.to == target && !seen.contains($0.id) })
        {
            chain.insert(ola, at: 0)
            seen.insert(ola.id)
            guard let from = ola.from else { break }
            target = from
        }
        return chain
    }

    static func olaName(_ a: BridgeConfiguration.Agreement) -> String {
        "OLA \(a.id)" + (a.from != nil && a.to != nil ? " \(a.from!)->\(a.to!)" : "")
    }

    // MARK: - Coverage

    func checkCoverage(_ matrix: CoverageMatrix, _ c: inout Collector) {
        for cell in matrix.holes {
            let path = "coverage.\(cell.layer).\(cell.item)"
            let layer = cell.layer.replacingOccurrences(of: "_", with: " ")
            let what = "\(CoverageMatrix.itemLabels[cell.item] ?? cell.item) (\(layer))"
            c.error(
                .coverage,
                path,
                cell.holes == ["contracted without an SLA value"]
                    ? "hole: contracted without an SLA value for \(what)"
                    : "hole: \(cell.holes.joined(separator: ", ")): who covers \(what) is not decided"
            )
        }
        if matrix.holes.isEmpty {
            c.checked.append(
                "Coverage: all \(matrix.cells.count) cells decided, owned, contracted ones with an SLA value"
            )
        }
    }

    // MARK: - Runbooks

    func checkRunbooks(_ c: inout Collector) {
        let shown = config.runbooks.directory
        guard let dir = runbookDirectory else {
            c.error(
                .runbooks,
                "runbooks.directory",
                "folder '\(shown)' not found (looked in \(Self.list(runbookCandidates)))"
            )
            return
        }
        var found = 0
        var total = 0
        for et in eventTypes {
            if et.runbooks.isEmpty {
                c.error(
                    .runbooks,
                    "event_types.\(et.id).runbooks",
                    "no runbook: responders have no procedure to follow"
                )
            }
            for (i, file) in et.runbooks.enumerated() {
                total += 1
                let full = (dir as NSString).appendingPathComponent(file)
                if files.fileExists(full) {
                    found += 1
                } else {
                    c.error(
                        .runbooks,
                        "event_types.\(et.id).runbooks[\(i)]",
                        "'\(file)' does not exist in \(dir)"
                    )
                }
            }
        }
        if found == total && eventTypes.allSatisfy({ !$0.runbooks.isEmpty }) {
            c.checked.append("Runbooks: all \(total) referenced files exist in \(dir)")
        }
    }

    // MARK: - Bridge and hypercare

    func checkBridgeAndHypercare(_ c: inout Collector) {
        if config.bridge.phone.isEmpty && config.bridge.url.isEmpty {
            c.warning(.bridge, "bridge", "no phone and no URL: the major-incident post has no bridge to join")
        }
        guard let h = config.hypercare else {
            c.warning(.hypercare, "hypercare", "not set: `kpi` gives no hypercare -> BAU verdict")
            return
        }
        if h.mttrMax == nil && h.firstResponseMax == nil && h.sev1Max == nil && h.changeSuccessMin == nil {
            c.warning(.hypercare, "hypercare.bau_criteria", "no criteria: `kpi` cannot say when to move to BAU")
        }
    }
}
