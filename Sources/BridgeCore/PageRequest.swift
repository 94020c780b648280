import Foundation

/// What to tell the pagers: trigger (declare, escalation step), acknowledge, resolve.
public enum PageAction: String, Sendable, Codable, Equatable {
    case trigger, acknowledge, resolve
}

/// A page the lifecycle asks for: an action and, for triggers, the people to reach.
public struct PageRequest: Sendable, Equatable {
    public var action: PageAction
    public var people: [String]
    /// 0 for the declaration, n for the n-th escalation step.
    public var step: Int
    public init(action: PageAction, people: [String] = [], step: Int = 0) {
        self.action = action
        self.people = people
        self.step = step
    }
}
