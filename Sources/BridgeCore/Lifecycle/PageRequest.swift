import Foundation

/// What to tell the pagers: trigger (declare, escalation step), acknowledge, resolve.
public enum PageAction: String, Sendable, Codable, Equatable {
    case trigger, acknowledge, resolve
}

/// One page an incident opened: the escalation policy's step (0 = the first, paged at declaration) in a round.
public struct PageStep: Sendable, Equatable, Hashable {
    public var round: Int
    public var step: Int
    public init(round: Int = 0, step: Int = 0) {
        self.round = round
        self.step = step
    }
}

/// A page the lifecycle asks for: a trigger reaches one step's people (each step is its own page at the pager,
/// so a later step notifies new people); acknowledge and resolve reach every page the incident opened.
public struct PageRequest: Sendable, Equatable {
    public var action: PageAction
    public var people: [String]
    /// The roles of the step's people (a pager may route by role).
    public var roles: [String]
    /// The step a trigger opens.
    public var page: PageStep
    /// The pages an acknowledge or resolve closes.
    public var opened: [PageStep]
    /// The policy step index of a trigger (0 for the declaration).
    public var step: Int { page.step }

    public init(
        action: PageAction,
        people: [String] = [],
        roles: [String] = [],
        page: PageStep = PageStep(),
        opened: [PageStep] = []
    ) {
        self.action = action
        self.people = people
        self.roles = roles
        self.page = page
        self.opened = opened
    }
}

extension IncidentLifecycle {
    /// Every page the incident has opened so far: the declaration's and each escalation step up to the current one.
    public func openedPages(_ inc: Incident) -> [PageStep] {
        let steps = max(1, policy(for: inc)?.steps.count ?? 1)
        var out: [PageStep] = []
        for round in 0...max(0, inc.escalationRound) {
            let last = round == inc.escalationRound ? min(inc.escalationStep, steps - 1) : steps - 1
            for step in 0...max(0, last) { out.append(PageStep(round: round, step: step)) }
        }
        return out
    }
}
