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
            candidates.append(
                (((dir.isEmpty ? "." : dir) as NSString).deletingLastPathComponent as NSString)
                    .appendingPathComponent("Templates")
            )
        }
        candidates.append("/usr/share/incident-bridge/Templates")
        return candidates.first {
            FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("en"))
        }
            ?? "Templates"
    }

    /// Loads every template of the config's locale; a missing or broken template is an error at start-up.
    public init(config: BridgeConfiguration, directory: String) throws {
        self.config = config
        let dir = (directory as NSString).appendingPathComponent(config.locale.rawValue)
        var templates: [String: MustacheTemplate] = [:]
        for kind in PostKind.allCases {
            let file = (dir as NSString).appendingPathComponent("\(kind.rawValue).mustache")
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
            else {
                throw TemplateError(
                    message: "missing template \(file) (set INCIDENT_BRIDGE_TEMPLATES to the Templates folder)"
                )
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
        let context = PostContext(config: config, platform: platform).context(post)
        let text = library.render(context, withTemplate: post.kind.rawValue) ?? post.text ?? post.kind.rawValue
        return Self.tidy(text)
    }

    /// Drops the blank lines that empty sections leave and trailing whitespace.
    static func tidy(_ text: String) -> String {
        // One line (most posts of a running incident): only its trailing whitespace can go.
        if !text.utf8.contains(UInt8(ascii: "\n")) {
            var l = Substring(text)
            while l.last == " " || l.last == "\r" { l.removeLast() }
            let blank = l.unicodeScalars.allSatisfy {
                $0 == " " || $0 == "\t" || $0.properties.generalCategory == .spaceSeparator
            }
            return blank ? "" : String(l)
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line -> Substring in
                var l = line
                while l.last == " " || l.last == "\r" { l.removeLast() }
                return l
            }
            .filter { line in
                line.unicodeScalars.contains {
                    !($0 == " " || $0 == "\t" || $0.properties.generalCategory == .spaceSeparator)
                }
            }
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
        guard
            utf8.contains(where: {
                $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || (ampersand && $0 == UInt8(ascii: "&"))
            })
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

    /// The template context of `post`: values are computed only when a template asks for them.
    func context(_ post: Post) -> LazyPostContext { LazyPostContext(base: self, post: post) }
}

/// A post's template context, looked up lazily (most templates use a handful of the keys, and formatting times
/// and mentions for all of them was most of the cost of a post).
struct LazyPostContext: MustacheParent {
    let base: PostContext
    let post: Post

    func child(named key: String) -> Any? {
        if let inc = post.incident, let v = incidentValue(key, inc) { return v }
        if key == "person_mention", let p = post.fields["person"] { return base.mention(p) }
        if let v = post.fields[key] { return key == "rows" || key == "person" || key == "role" ? v : base.escape(v) }
        switch key {
        case "actor": return base.name(post.actor)
        case "bridge_phone": return base.escape(base.config.bridge.phone)
        case "bridge_url": return base.escape(base.config.bridge.url)
        case "text": return post.text.map(base.escape)
        case "mentions": return post.mentions.map(base.mention).joined(separator: " ")
        default: return nil
        }
    }

    func incidentValue(_ key: String, _ inc: Incident) -> Any? {
        let config = base.config
        let tz = base.tz
        switch key {
        case "id": return inc.id.rawValue
        case "title": return base.escape(inc.title)
        case "severity": return inc.severity
        case "severity_name": return base.escape(config.severities[inc.severity]?.name ?? inc.severity)
        case "event_type": return inc.eventType
        case "event_type_name": return base.escape(config.eventTypes[inc.eventType]?.name ?? inc.eventType)
        case "state": return inc.state.rawValue
        case "declared_at": return tz.display(inc.declaredAt)
        case "declared_by": return base.name(inc.declaredBy)
        case "responsible": return inc.responsible.map(base.mention).joined(separator: " ")
        case "accountable": return inc.accountable.map(base.mention).joined(separator: " ")
        case "consulted": return inc.consulted.map(base.name).joined(separator: ", ")
        case "informed": return inc.informed.map(base.name).joined(separator: ", ")
        case "commander": return inc.assignments["commander"].map(base.mention)
        case "summary": return inc.summary.map(base.escape)
        case "first_response_due", "restore_due", "first_response_target", "restore_target", "next_update_due",
            "update_every":
            guard let sev = config.severities[inc.severity] else { return nil }
            switch key {
            case "first_response_due":
                return tz.display(inc.declaredAt.addingTimeInterval(sev.firstResponse.timeInterval))
            case "restore_due": return tz.display(inc.declaredAt.addingTimeInterval(sev.restore.timeInterval))
            case "first_response_target": return sev.firstResponse.description
            case "restore_target": return sev.restore.description
            case "next_update_due":
                return tz.display((inc.lastUpdateAt ?? inc.declaredAt).addingTimeInterval(sev.updateEvery.timeInterval))
            default: return sev.updateEvery.description
            }
        case "runbooks":
            return (config.eventTypes[inc.eventType]?.runbooks ?? []).map {
                ["file": $0, "link": config.runbooks.link(for: $0)]
            }
        case "maintenance": return inc.maintenanceWindow.map(base.escape)
        case "acknowledged_at": return inc.acknowledgedAt.map(tz.display)
        case "acknowledged_by": return inc.acknowledgedBy.map(base.name)
        case "mitigated_at": return inc.mitigatedAt.map(tz.display)
        case "resolved_at": return inc.resolvedAt.map(tz.display)
        case "duration": return inc.resolvedAt.map { BridgeDuration.between(inc.declaredAt, $0).description }
        default: return nil
        }
    }
}
