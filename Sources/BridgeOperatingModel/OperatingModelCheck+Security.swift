import BridgeCore
import Foundation

/// The open doors of a config: routes anyone can call, people whose commands would be refused because their
/// stable platform id is missing, and authorization rules that let more people decide than the defaults.
extension OperatingModelCheck {
    func checkSecurity(_ c: inout Collector) {
        var doors = 0
        for door in Perimeter.doors(config, host: "0.0.0.0") {
            doors += 1
            if door.deliberate {
                c.warning(.security, door.key, "open on purpose: " + door.message)
            } else {
                c.error(.security, door.key, door.message + " (serve refuses to start)")
            }
        }
        // A Matrix section without rooms is refused at load (`MatrixPlatform.problems`): no config gets here so.
        checkStableIDs(&c)
        doors += checkPolicy(&c)
        if doors == 0 {
            c.checked.append("Perimeter: alert route and pages need tokens; authorization rules no wider than the defaults")
        }
    }

    /// A person without the stable id of a configured platform is a stranger there: warn per person.
    func checkStableIDs(_ c: inout Collector) {
        for (platform, key) in config.stableIDKeys.sorted(by: { $0.key < $1.key })
        where config.chat.platforms[platform] != nil {
            let missing = config.people.values.filter { ($0.handles[key] ?? "").isEmpty }.map(\.id).sorted()
            for id in missing {
                c.warning(
                    .security,
                    "people.\(id).\(key)",
                    "chat.\(platform) is configured but this person has no \(key) (their \(platform) user id): "
                        + "their commands there are answered as a stranger's (read-only)"
                )
            }
        }
    }

    /// Rules in `authorization:` wider than the defaults on the verbs that decide. Returns how many were found.
    func checkPolicy(_ c: inout Collector) -> Int {
        var found = 0
        let deciding: [AuthorizationPolicy.Action] = [.mitigate, .resolve, .close, .assignAccountable, .assignResponsible]
        for action in deciding {
            guard let grants = config.authorization.rules[action] else { continue }
            if grants.contains(.people) || grants.contains(.anyone) {
                found += 1
                c.warning(
                    .security,
                    "authorization.\(action.rawValue)",
                    "anyone listed under people may \(action.rawValue) any incident (default: the incident's "
                        + (action == .assignAccountable ? "A or commander)" : "R, A or commander)")
                )
            }
        }
        for (action, grants) in config.authorization.rules where !Self.incidentActions.contains(action) {
            if grants.contains(.responders) || grants.contains(.deciders) {
                c.warning(
                    .security,
                    "authorization.\(action.rawValue)",
                    "responders/deciders mean the R, A or commander of one incident; `\(action.rawValue)` has none, so "
                        + "only the other entries of the rule let anyone in"
                )
            }
        }
        return found
    }

    static let incidentActions: Set<AuthorizationPolicy.Action> = [
        .ack, .update, .note, .assign, .assignAccountable, .assignResponsible, .escalate, .mitigate, .resolve, .close,
        .show, .timeline,
    ]
}
