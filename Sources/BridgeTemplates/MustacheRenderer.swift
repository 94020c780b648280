import BridgeCore
import Foundation
import Mustache

/// A template file that is missing or does not parse.
public struct TemplateError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Renders bot posts from `Templates/<locale>/<kind>.mustache`, with mentions and escaping per platform.
public struct MustacheRenderer: PostRenderer {
    public let config: BridgeConfiguration
    let library: MustacheLibrary

    /// Where templates are looked for when no directory is given: `$INCIDENT_BRIDGE_TEMPLATES`, `./Templates`,
    /// beside the config file's folder, and `/usr/share/incident-bridge/Templates`.
    public static func defaultDirectory(configPath: String?) -> String {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["INCIDENT_BRIDGE_TEMPLATES"] { candidates.append(env) }
        candidates.append("Templates")
        if let c = configPath {
            let dir = (c as NSString).deletingLastPathComponent
            candidates.append(((dir.isEmpty ? "." : dir) as NSString).appendingPathComponent("Templates"))
            candidates.append((((dir.isEmpty ? "." : dir) as NSString).deletingLastPathComponent as NSString)
                .appendingPathComponent("Templates"))
        }
        candidates.append("/usr/share/incident-bridge/Templates")
        return candidates.first { FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("en")) }
            ?? "Templates"
    }

    /// Loads every template of the config's locale; a missing or broken template is an error at start-up.
    public init(config: BridgeConfiguration, directory: String) throws {
        self.config = config
        let dir = (directory as NSString).appendingPathComponent(config.locale.rawValue)
        var templates: [String: MustacheTemplate] = [:]
        for kind in PostKind.allCases {
            let file = (dir as NSString).appendingPathComponent("\(kind.rawValue).mustache")
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw TemplateError(message: "missing template \(file) (set INCIDENT_BRIDGE_TEMPLATES to the Templates folder)")
            }
            do {
                templates[kind.rawValue] = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + text)
            } catch {
                throw TemplateError(message: "template \(file) does not parse: \(error)")
            }
        }
        self.library = MustacheLibrary(templates: templates)
    }

    public func render(_ post: Post, for platform: String) -> String {
        let context = PostContext(config: config, platform: platform).build(post)
        let text = library.render(context, withTemplate: post.kind.rawValue) ?? post.text ?? post.kind.rawValue
        return Self.tidy(text)
    }

    /// Drops the blank lines that empty sections leave and trailing whitespace.
    static func tidy(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line -> Substring in
                var l = line
                while l.last == " " || l.last == "\r" { l.removeLast() }
                return l
            }
            .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .joined(separator: "\n")
    }
}

/// Builds the template context of a post for one platform: mentions in its syntax, user text escaped for it.
struct PostContext {
    let config: BridgeConfiguration
    let platform: String

    var tz: LocalTime { LocalTime(config.timeZone) }

    /// Escapes text the user typed so it cannot ping a channel or forge a link.
    func escape(_ s: String) -> String {
        switch platform {
        case "slack", "webhook", "mattermost": return Self.entities(s, ampersand: true)
        case "teams": return Self.entities(s, ampersand: false)
        default: return s
        }
    }

    /// `<`, `>` (and `&`) as entities, on the UTF-8 bytes (NSString bridging is slow on Linux).
    static func entities(_ s: String, ampersand: Bool) -> String {
        let utf8 = s.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || (ampersand && $0 == UInt8(ascii: "&")) })
        else { return s }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count + 16)
        for b in utf8 {
            switch b {
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "&") where ampersand: out.append(contentsOf: "&amp;".utf8)
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    func name(_ id: String) -> String { escape(config.people[id]?.name ?? id) }

    /// A mention of a person in the platform's syntax.
    func mention(_ id: String) -> String {
        guard let p = config.people[id] else { return escape(id) }
        switch platform {
        case "slack": return p.slack.map { "<@\($0)>" } ?? p.name
        case "mattermost": return p.mattermost.map { "@\($0)" } ?? p.name
        case "matrix": return p.matrix.map { "\(p.name) (\($0))" } ?? p.name
        case "teams": return "<at>\(p.teams ?? p.name)</at>"
        default: return "@\(p.name)"
        }
    }

    func build(_ post: Post) -> [String: Any] {
        var c: [String: Any] = [:]
        c["actor"] = name(post.actor)
        c["bridge_phone"] = escape(config.bridge.phone)
        c["bridge_url"] = escape(config.bridge.url)
        if let t = post.text { c["text"] = escape(t) }
        c["mentions"] = post.mentions.map(mention).joined(separator: " ")
        for (k, v) in post.fields { c[k] = k == "rows" || k == "person" || k == "role" ? v : escape(v) }
        if let p = post.fields["person"] { c["person_mention"] = mention(p) }
        if let inc = post.incident {
            let type = config.eventTypes[inc.eventType]
            let sev = config.severities[inc.severity]
            c["id"] = inc.id.rawValue
            c["title"] = escape(inc.title)
            c["severity"] = inc.severity
            c["severity_name"] = escape(sev?.name ?? inc.severity)
            c["event_type"] = inc.eventType
            c["event_type_name"] = escape(type?.name ?? inc.eventType)
            c["state"] = inc.state.rawValue
            c["declared_at"] = tz.display(inc.declaredAt)
            c["declared_by"] = name(inc.declaredBy)
            c["responsible"] = inc.responsible.map(mention).joined(separator: " ")
            c["accountable"] = inc.accountable.map(mention).joined(separator: " ")
            c["consulted"] = inc.consulted.map(name).joined(separator: ", ")
            c["informed"] = inc.informed.map(name).joined(separator: ", ")
            if let m = inc.assignments["commander"] { c["commander"] = mention(m) }
            if let s = inc.summary { c["summary"] = escape(s) }
            if let sev {
                c["first_response_due"] = tz.display(inc.declaredAt.addingTimeInterval(sev.firstResponse.timeInterval))
                c["restore_due"] = tz.display(inc.declaredAt.addingTimeInterval(sev.restore.timeInterval))
                c["first_response_target"] = sev.firstResponse.description
                c["restore_target"] = sev.restore.description
                let last = inc.lastUpdateAt ?? inc.declaredAt
                c["next_update_due"] = tz.display(last.addingTimeInterval(sev.updateEvery.timeInterval))
                c["update_every"] = sev.updateEvery.description
            }
            c["runbooks"] = (type?.runbooks ?? []).map { ["file": $0, "link": config.runbooks.link(for: $0)] }
            if let w = inc.maintenanceWindow { c["maintenance"] = escape(w) }
            if let a = inc.acknowledgedAt { c["acknowledged_at"] = tz.display(a) }
            if let a = inc.acknowledgedBy { c["acknowledged_by"] = name(a) }
            if let m = inc.mitigatedAt { c["mitigated_at"] = tz.display(m) }
            if let r = inc.resolvedAt {
                c["resolved_at"] = tz.display(r)
                c["duration"] = BridgeDuration.between(inc.declaredAt, r).description
            }
        }
        return c
    }
}
