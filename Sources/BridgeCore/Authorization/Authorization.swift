import Foundation

/// Who may use a verb: the `authorization:` section of the config over the defaults below. Checked in the
/// service for every platform and the console alike, after the platform proved the request authentic and the
/// actor was mapped to a person by their stable platform id.
public struct AuthorizationPolicy: Sendable, Equatable {
    /// One kind of person a rule lets in; a rule is a list of grants (any one suffices).
    public enum Grant: Sendable, Equatable, Hashable {
        /// Anybody, people not in `people` included (read-only verbs; still bound to incident channels).
        case anyone
        /// Any person listed in `people`.
        case people
        /// The incident's R, A or commander.
        case responders
        /// The incident's A or commander.
        case deciders
        /// Members of this role.
        case role(String)

        /// The config spelling: `anyone`, `people`, `responders`, `deciders`, or a role id.
        public init(_ word: String) {
            switch word {
            case "anyone": self = .anyone
            case "people": self = .people
            case "responders": self = .responders
            case "deciders": self = .deciders
            default: self = .role(word)
            }
        }
    }

    /// What a rule is about: a verb, or `assign_accountable` (`assign A` and `assign commander`).
    public enum Action: String, Sendable, CaseIterable {
        case declare, ack, update, note, assign, escalate, mitigate, resolve, close
        case assignAccountable = "assign_accountable"
        /// `assign R`: whoever is R may resolve, so only the incident's R, A or commander hands R over.
        case assignResponsible = "assign_responsible"
        case show, list, timeline, raci, runbook, kpi, help, drill, change
        case oncall
        case oncallOverride = "oncall_override"

        /// Verbs that change nothing: people outside `people` may use them where an incident is discussed.
        public var readOnly: Bool {
            switch self {
            case .show, .list, .timeline, .raci, .runbook, .kpi, .help, .oncall: true
            default: false
            }
        }
    }

    /// Overrides from the config, by action.
    public var rules: [Action: [Grant]]

    public init(rules: [Action: [Grant]] = [:]) { self.rules = rules }

    /// The rule for `action`: the config's, else the default.
    public func grants(_ action: Action, config: BridgeConfiguration) -> [Grant] {
        if let r = rules[action] { return r }
        switch action {
        case .show, .list, .timeline, .raci, .runbook, .kpi, .help, .oncall: return [.anyone]
        case .declare, .ack, .update, .note, .assign, .escalate, .oncallOverride: return [.people]
        case .mitigate, .resolve, .close, .assignResponsible: return [.responders]
        case .assignAccountable: return [.deciders]
        case .drill, .change: return config.rolesWithAccountability.map(Grant.role)
        }
    }
}

extension AuthorizationPolicy.Action {
    /// The action a parsed command stands for.
    public init(_ parsed: ParsedCommand) {
        switch parsed {
        case .declare: self = .declare
        case .ack: self = .ack
        case .update: self = .update
        case .note: self = .note
        case .assign(_, let role, _):
            switch role {
            case .accountable, .commander: self = .assignAccountable
            case .responsible: self = .assignResponsible
            default: self = .assign
            }
        case .escalate: self = .escalate
        case .mitigate: self = .mitigate
        case .resolve: self = .resolve
        case .close: self = .close
        case .show: self = .show
        case .list: self = .list
        case .timeline: self = .timeline
        case .raci: self = .raci
        case .runbook: self = .runbook
        case .kpi: self = .kpi
        case .drill: self = .drill
        case .change: self = .change
        case .help: self = .help
        case .oncall, .oncallOverrides: self = .oncall
        case .oncallOverride, .oncallCancel: self = .oncallOverride
        }
    }
}

/// A command the actor may not give: a refusal of kind `forbidden` naming the action and the actor; its words
/// name who may when the actor may know it.
public typealias AuthorizationRefusal = Refusal

/// Decides whether one actor may do one action, optionally on one incident.
public struct Authorizer: Sendable {
    public var config: BridgeConfiguration

    public init(config: BridgeConfiguration) { self.config = config }

    /// Nil when allowed; otherwise the refusal, naming who may only when `naming` (the asker may read `raci`
    /// where they ask, `mayReadRACI`): role members are not told to whoever asks.
    public func check(
        _ action: AuthorizationPolicy.Action,
        person: BridgeConfiguration.Person?,
        actor: String,
        incident: Incident?,
        naming: Bool
    ) -> AuthorizationRefusal? {
        let grants = config.authorization.grants(action, config: config)
        if grants.contains(where: { allows($0, person: person, incident: incident) }) { return nil }
        return refusal(action, naming ? grants : [], person, actor, incident)
    }

    /// Whether the asker could read `raci` (who holds which role) where they ask: its rule lets them in, and a
    /// person outside `people` only in an incident channel.
    public func mayReadRACI(person: BridgeConfiguration.Person?, incident: Incident?, inIncidentChannel: Bool) -> Bool {
        if person == nil, !inIncidentChannel { return false }
        return config.authorization.grants(.raci, config: config).contains {
            allows($0, person: person, incident: incident)
        }
    }

    func allows(_ grant: AuthorizationPolicy.Grant, person: BridgeConfiguration.Person?, incident: Incident?) -> Bool {
        switch grant {
        case .anyone: return true
        case .people: return person != nil
        case .role(let r): return person.map { config.roles[r]?.members.contains($0.id) == true } ?? false
        case .responders:
            guard let p = person, let inc = incident else { return false }
            return inc.responsible.contains(p.id) || inc.accountable.contains(p.id) || inc.assignments["commander"] == p.id
        case .deciders:
            guard let p = person, let inc = incident else { return false }
            return inc.accountable.contains(p.id) || inc.assignments["commander"] == p.id
        }
    }

    /// "`resolve` on INC-... needs the incident's R, A or commander (Suzuki, Sato)".
    func refusal(
        _ action: AuthorizationPolicy.Action,
        _ grants: [AuthorizationPolicy.Grant],
        _ person: BridgeConfiguration.Person?,
        _ actor: String,
        _ incident: Incident?
    ) -> Refusal {
        var names: [String] = []
        for g in grants {
            switch g {
            case .anyone: continue
            case .people:
                names.append(config.word(.authGrantPeople))
            case .role(let r):
                let members = (config.roles[r]?.members ?? []).compactMap { config.people[$0]?.name }
                    .joined(separator: ", ")
                names.append(config.word(.authGrantRole, ["role": config.roles[r]?.name ?? r, "names": members]))
            case .responders, .deciders:
                let ids: [String]
                if let inc = incident {
                    ids = (g == .responders ? inc.responsible : []) + inc.accountable
                        + (inc.assignments["commander"].map { [$0] } ?? [])
                } else {
                    ids = []
                }
                var seen = Set<String>()
                let people = ids.filter { seen.insert($0).inserted }.map { config.people[$0]?.name ?? $0 }
                let list = people.isEmpty ? "" : " (\(people.joined(separator: ", ")))"
                names.append(config.word(g == .responders ? .authGrantResponders : .authGrantDeciders) + list)
            }
        }
        var args = [
            "verb": action.rawValue,
            "on": incident.map { config.word(.authOn, ["id": $0.id.rawValue]) } ?? "",
            "who": person == nil ? config.word(.authUnlisted, ["actor": actor]) : "",
        ]
        if names.isEmpty { return .forbidden(action, actor: actor, .authNotAllowed, args) }
        args["grants"] = names.joined(separator: config.word(.authGrantSeparator))
        return .forbidden(action, actor: actor, .authNeeds, args)
    }
}

/// Who may see and change on-call overrides.
extension Authorizer {
    /// Who stands in for whom, and why, is for the people of the config.
    public func mayListOverrides(person: BridgeConfiguration.Person?, actor: String) -> Refusal? {
        person == nil ? .forbidden(.oncall, actor: actor, .authOverridesListed) : nil
    }

    /// Overrides of a schedule are made by its members (the `oncall_override` rule, when set in the config,
    /// decides alone; the upfront check has applied it).
    public func mayOverride(_ s: BridgeConfiguration.Schedule, actor: String) -> Refusal? {
        if config.authorization.rules[.oncallOverride] != nil || config.onCallPool(s).contains(actor) { return nil }
        let names = config.onCallPool(s).sorted().map { config.people[$0]?.name ?? $0 }.joined(separator: ", ")
        return .forbidden(.oncallOverride, actor: actor, .authOverrideMembers, ["schedule": s.name, "names": names])
    }

    /// An override is cancelled by its creator, the person it covers, or whoever may override its schedule.
    public func mayCancel(_ o: OnCallOverride, actor: String) -> Refusal? {
        guard o.createdBy != actor, o.person != actor, let s = config.schedules[o.schedule] else { return nil }
        return mayOverride(s, actor: actor)
    }
}

extension BridgeConfiguration {
    /// Everyone a schedule may put on call: its layers' members and the members of roles that use it.
    public func onCallPool(_ s: Schedule) -> Set<String> {
        var out = Set(s.layers.flatMap(\.members))
        for r in roles.values where r.schedule == s.id { out.formUnion(r.members) }
        return out
    }

    /// Roles holding an A in some event type's RACI row (the default who may record drills and changes).
    public var rolesWithAccountability: [String] {
        Set(eventTypes.values.flatMap { $0.raci.filter { $0.letter == .A }.map(\.role) }).sorted()
    }

    /// The config key holding each platform's stable user id (never a display name or e-mail), by platform id.
    public var stableIDKeys: [String: String] { platformTraits.compactMapValues(\.personKey) }

    /// The person whose stable id on `platform` is `userID`. Where the platform's identity is the person id
    /// (a local terminal's `--as PERSON`) that is the person; other platforms match only the id they vouch for.
    public func person(platform: String, userID: String) -> Person? {
        switch traits(platform)?.identity {
        case .personID: return people[userID]
        case .personKey(let key) where !userID.isEmpty:
            return people.values.sorted { $0.id < $1.id }.first { $0.handles[key] == userID }
        default: return nil
        }
    }
}
