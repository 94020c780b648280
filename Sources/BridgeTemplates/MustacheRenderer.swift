import BridgeCore
import Foundation
import Mustache

/// Renders bot posts from `Templates/<locale>/<kind>.mustache`, with each platform's mentions and escaping
/// (its `PlatformDialect`, given by the caller; platforms without one get `PlainDialect`).
public struct MustacheRenderer: PostRenderer {
    public let config: BridgeConfiguration
    let dialects: [String: any PlatformDialect]
    let library: MustacheLibrary

    /// The Templates folder when none is given (`TemplateLoader.defaultRoot`).
    public static func defaultDirectory(configPath: String?) -> String {
        TemplateLoader.defaultRoot(configPath: configPath)
    }

    /// Text templates: a `{{value}}` is inserted as it is (the context escapes it for the platform).
    static let pragma = "{{% CONTENT_TYPE: TEXT}}"

    /// Loads every post and reply template of the config's locale; a missing or broken template is an error at
    /// start-up. Replies are named `replies/<kind>` in the library.
    public init(config: BridgeConfiguration, directory: String, dialects: [String: any PlatformDialect]) throws {
        self.config = config
        self.dialects = dialects
        let loader = TemplateLoader(root: directory)
        let locale = config.locale.rawValue
        let posts = try loader.mustache(locale, names: PostKind.allCases.map(\.rawValue), pragma: Self.pragma)
        let replies = try loader.mustache(
            (locale as NSString).appendingPathComponent("replies"),
            names: ReplyKind.allCases.map(\.rawValue),
            pragma: Self.pragma,
            prefix: "replies/"
        )
        self.library = MustacheLibrary(templates: posts.merging(replies) { $1 })
    }

    public func reply(_ kind: ReplyKind, fields: [String: String], for platform: String) -> String {
        let post = Post(kind: .info, incident: nil, actor: "bot", fields: fields)
        let context = PostContext(config: config, dialect: dialects[platform] ?? PlainDialect()).context(post)
        return Self.tidy(library.render(context, withTemplate: "replies/" + kind.rawValue) ?? kind.rawValue)
    }

    public func escape(_ text: String, for platform: String) -> String {
        (dialects[platform] ?? PlainDialect()).escape(OneLine.inertURLs(OneLine.clean(text)))
    }

    /// The post as the platform shows it. When it is longer than the platform takes (`PlatformDialect.fits`), the
    /// fields a person or an alert wrote are cut to the longest length that fits: a 3,000-character stack trace as a
    /// title loses its tail, never the bridge line, the R/A mentions or the deadlines the template puts after it.
    public func render(_ post: Post, for platform: String) -> String {
        let dialect = dialects[platform] ?? PlainDialect()
        let whole = render(post, PostContext(config: config, dialect: dialect))
        if dialect.fits(whole, kind: post.kind) { return whole }
        let longest = PostContext.writtenText(of: post).map { $0.unicodeScalars.count }.max() ?? 0
        // The largest cap on each written field that fits (a shorter cap never renders longer).
        let cap = Truncation.largest(upTo: longest) {
            dialect.fits(render(post, PostContext(config: config, dialect: dialect, cap: $0)), kind: post.kind)
        }
        // Even with every field cut to nothing the template's own lines may not fit: the poster then cuts the end.
        return render(post, PostContext(config: config, dialect: dialect, cap: cap))
    }

    func render(_ post: Post, _ base: PostContext) -> String { renderWithEngine(base.context(post), post) }

    func renderWithEngine(_ context: LazyPostContext, _ post: Post) -> String {
        Self.tidy(library.render(context, withTemplate: post.kind.rawValue) ?? post.text ?? post.kind.rawValue)
    }

    /// Drops the blank lines that empty sections leave and trailing whitespace (spaces, CR) of every line.
    static func tidy(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        var start = 0
        while start <= bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var last = end
            while last > start && (bytes[last - 1] == UInt8(ascii: " ") || bytes[last - 1] == UInt8(ascii: "\r")) {
                last -= 1
            }
            let line = bytes[start..<last]
            if !isBlank(line) {
                if !out.isEmpty { out.append(UInt8(ascii: "\n")) }
                out.append(contentsOf: line)
            }
            start = end + 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Only spaces, tabs and other space separators (U+3000, U+00A0...), or nothing.
    static func isBlank(_ line: ArraySlice<UInt8>) -> Bool {
        if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { return true }
        if line.allSatisfy({ $0 < 0x80 }) { return false }
        return String(decoding: line, as: UTF8.self).unicodeScalars.allSatisfy {
            $0 == " " || $0 == "\t" || $0.properties.generalCategory == .spaceSeparator
        }
    }
}

/// Builds the template context of a post for one platform: mentions in its syntax, user text escaped for it.
struct PostContext {
    let config: BridgeConfiguration
    let dialect: any PlatformDialect
    /// At most this many scalars of each field a person or an alert wrote (then `…`); nil: whole.
    var cap: Int? = nil

    var tz: LocalTime { LocalTime(config.timeZone) }

    /// Escapes a one-line field a person or an alert wrote (title, summary, label, name) so it cannot ping a
    /// channel, forge a link or start a line of its own.
    func escape(_ s: String) -> String { dialect.escape(OneLine.clean(s)) }

    /// Escapes text a person wrote (an update, a note) the same way: in a channel post a line break of theirs
    /// could start a line that looks like the bot's ("Bridge: ..."), so it becomes a space. Cut to `cap` first
    /// (cleaning only shortens a text, and a cut text is cleaned in the time its length takes).
    func escapeText(_ s: String) -> String { dialect.escape(OneLine.inertURLs(OneLine.clean(cut(s)))) }

    /// `s` within `cap`.
    func cut(_ s: String) -> String { cap.map { Truncation.field(s, maxScalars: $0) } ?? s }

    /// Fields a person or an alert wrote: escaped, one line, and no live URLs.
    static let writtenFields: Set<String> = ["alert_summary", "alert_labels", "reason", "summary", "previous"]

    /// Fields from an alert that are not prose but are cut like it when a post is too long (its links).
    static let cutFields: Set<String> = ["alert_links"]

    /// Everything in `post` that a person or an alert wrote and `cap` cuts.
    static func writtenText(of post: Post) -> [String] {
        var out = [post.incident?.title, post.incident?.summary, post.text].compactMap { $0 }
        for (key, value) in post.fields where writtenFields.contains(key) || cutFields.contains(key) {
            out.append(value)
        }
        return out
    }

    func name(_ id: String) -> String { escape(config.people[id]?.name ?? id) }

    /// A mention of a person in the platform's syntax.
    func mention(_ id: String) -> String {
        guard let p = config.people[id] else { return escape(id) }
        return dialect.mention(p)
    }

    /// The template context of `post`: values are computed only when a template asks for them.
    func context(_ post: Post) -> LazyPostContext { LazyPostContext(base: self, post: post) }
}

/// A post's template context, looked up lazily (most templates use a handful of the keys, and formatting times
/// and mentions for all of them was most of the cost of a post). A class: the engine holds the context as `Any`
/// and casts it for every `{{name}}`, which for a struct (holding the whole configuration) copied it each time.
final class LazyPostContext: MustacheParent {
    let base: PostContext
    let post: Post

    init(base: PostContext, post: Post) {
        self.base = base
        self.post = post
    }

    func child(named key: String) -> Any? {
        if let inc = post.incident, let v = incidentValue(key, inc) { return v }
        if key == "person_mention", let p = post.fields["person"] { return base.mention(p) }
        if let v = post.fields[key] {
            if key == "rows" || key == "person" || key == "role" { return v }
            if PostContext.cutFields.contains(key) { return base.escape(base.cut(v)) }
            return PostContext.writtenFields.contains(key) ? base.escapeText(v) : base.escape(v)
        }
        switch key {
        case "actor": return base.name(post.actor)
        case "bridge_phone": return base.escape(base.config.bridge.phone)
        case "bridge_url": return base.escape(base.config.bridge.url)
        case "text": return post.text.map(base.escapeText)
        case "mentions": return post.mentions.map(base.mention).joined(separator: " ")
        default: return nil
        }
    }

    func mentionIfPaged(_ id: String) -> String { post.mentions.contains(id) ? base.mention(id) : base.name(id) }

    func incidentValue(_ key: String, _ inc: Incident) -> Any? {
        let config = base.config
        let tz = base.tz
        switch key {
        case "id": return inc.id.rawValue
        case "title": return base.escapeText(inc.title)
        case "severity": return inc.severity
        case "severity_name": return base.escape(config.severities[inc.severity]?.name ?? inc.severity)
        case "event_type": return inc.eventType
        case "event_type_name": return base.escape(config.eventTypes[inc.eventType]?.name ?? inc.eventType)
        case "state": return inc.state.rawValue
        case "declared_at": return tz.display(inc.declaredAt)
        case "declared_by": return base.name(inc.declaredBy)
        // R and A ping only those the post mentions (the people on duty); the others are named.
        case "responsible": return inc.responsible.map(mentionIfPaged).joined(separator: " ")
        case "accountable": return inc.accountable.map(mentionIfPaged).joined(separator: " ")
        case "consulted": return inc.consulted.map(base.name).joined(separator: ", ")
        case "informed": return inc.informed.map(base.name).joined(separator: ", ")
        case "commander": return inc.assignments["commander"].map(base.mention)
        case "summary": return inc.summary.map(base.escapeText)
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
