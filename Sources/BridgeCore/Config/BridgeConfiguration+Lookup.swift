import Foundation

/// Looking people up in the config: role members, a person a command names, severities in order.
extension BridgeConfiguration {
    /// Members of the given roles, de-duplicated, in order.
    public func members(ofRoles roleIDs: [String]) -> [Person] {
        var seen = Set<String>()
        var out: [Person] = []
        for r in roleIDs {
            for m in roles[r]?.members ?? [] where !seen.contains(m) {
                seen.insert(m)
                if let p = people[m] { out.append(p) }
            }
        }
        return out
    }

    /// Finds the person a command names (`assign A @sato`, an override) by id, name or any platform handle, with or
    /// without a leading `@`. Never used to identify who sent a command: that is `person(platform:userID:)`.
    public func person(matching handle: String) -> Person? {
        let h = handle.hasPrefix("@") && !handle.contains(":") ? String(handle.dropFirst()) : handle
        if let p = people[h] { return p }
        let lowered = h.lowercased()
        let atLowered = "@" + lowered
        // One lowercasing per handle; `@user:server` Matrix ids also match without the `@`.
        func same(_ x: String) -> Bool {
            if x == h { return true }
            let l = x.lowercased()
            return l == lowered || l == atLowered
        }
        // Sorted by id so the answer does not depend on dictionary order; plain comparisons (this runs per command).
        return people.values.sorted { $0.id < $1.id }.first { p in
            p.handles.values.contains(where: same) || p.email.map(same) == true
                || p.name == h || String(p.name.unicodeScalars.filter { $0 != " " }) == h
        }
    }

    /// Severity ids in order (sev1, sev2, ...).
    public var severityOrder: [String] { severities.keys.sorted() }
}
