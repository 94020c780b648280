import Foundation

/// The pure parser of the command grammar (DESIGN.md): `/incident <verb> [args]` with Japanese aliases.
public enum CommandParser {
    /// Prefixes that address the bot; a message may also be the bare verb (Slack/Mattermost slash commands).
    static let prefixes = ["/incident", "!incident", "/インシデント", "!インシデント"]

    /// True when `text` is addressed to the bot with an explicit prefix.
    public static func isAddressed(_ text: String) -> Bool {
        let t = normalize(text)
        return prefixes.contains { t == $0 || t.hasPrefix($0 + " ") }
    }

    /// Parses one command line. Leading `/incident` or `!incident` is optional. A mention written as one of
    /// `mentionLinks` (the platforms' link forms, `BridgeConfiguration.mentionLinks`) names the id after the prefix.
    public static func parse(_ text: String, mentionLinks: [String] = []) -> Result<ParsedCommand, CommandError> {
        var tokens: [String]
        switch tokenize(normalize(text)) {
        case .success(let t): tokens = t
        case .failure(let e): return .failure(e)
        }
        if let first = tokens.first, prefixes.contains(first.lowercased()) { tokens.removeFirst() }
        if let first = tokens.first, ["/oncall", "!oncall", "/当番", "!当番"].contains(first.lowercased()) {
            tokens[0] = "oncall"
        }
        guard let verbText = tokens.first else {
            return .failure(Refusal(.input, .parseNoCommand, usage: helpUsage))
        }
        guard let verb = Verb.lookup[verbText.lowercased()] else {
            return .failure(Refusal(.input, .parseUnknownCommand, ["verb": verbText], usage: helpUsage))
        }
        let parsed = parse(verb: verb, args: Array(tokens.dropFirst()))
        if case .success(.assign(let inc, let role, let user)) = parsed,
            let link = mentionLinks.first(where: { !$0.isEmpty && user.hasPrefix($0) })
        {
            return .success(.assign(inc, role: role, user: String(user.dropFirst(link.count))))
        }
        return parsed
    }

    /// The short list of verbs shown on unknown input.
    public static let helpUsage =
        "/incident declare|ack|update|note|assign|escalate|mitigate|resolve|close|show|list|timeline|raci|runbook|kpi|drill|change|help"

    static func parse(verb: Verb, args: [String]) -> Result<ParsedCommand, CommandError> {
        func fail(_ word: Word, _ args: [String: String] = [:]) -> Result<ParsedCommand, CommandError> {
            .failure(Refusal(.input, word, args, usage: verb.usage))
        }
        var rest = args
        func takeIncident() -> IncidentID? {
            if let f = rest.first, IncidentID.looksLikeID(f) {
                rest.removeFirst()
                return IncidentID(f.uppercased())
            }
            return nil
        }
        func restText() -> String? { rest.isEmpty ? nil : rest.joined(separator: " ") }

        switch verb {
        case .oncall: return parseOnCall(rest, fail: fail)
        case .declare:
            guard let type = rest.first else { return fail(.parseMissingEventType) }
            rest.removeFirst()
            var severity: String?
            if let s = rest.first, isSeverity(s) {
                severity = s.lowercased()
                rest.removeFirst()
            }
            guard let title = restText() else { return fail(.parseMissingTitle) }
            return .success(.declare(eventType: type, severity: severity, title: title))
        case .ack, .close, .show:
            let inc = takeIncident()
            guard rest.isEmpty else {
                return fail(.parseUnexpectedText, ["text": rest.joined(separator: " ")])
            }
            return .success(verb == .ack ? .ack(inc) : verb == .close ? .close(inc) : .show(inc))
        case .update, .note, .resolve:
            let inc = takeIncident()
            guard let text = restText() else {
                return verb == .resolve ? fail(.parseMissingSummary) : fail(.parseMissingText)
            }
            switch verb {
            case .update: return .success(.update(inc, text: text))
            case .note: return .success(.note(inc, text: text))
            default: return .success(.resolve(inc, summary: text))
            }
        case .mitigate:
            let inc = takeIncident()
            return .success(.mitigate(inc, text: restText()))
        case .escalate:
            let inc = takeIncident()
            return .success(.escalate(inc, reason: restText()))
        case .assign:
            let inc = takeIncident()
            guard rest.count == 2 else { return fail(.parseRoleAndUser) }
            guard let role = AssignableRole.parse(rest[0]) else {
                return fail(.parseUnknownRole, ["role": rest[0]])
            }
            return .success(.assign(inc, role: role, user: mentionHandle(rest[1])))
        case .list, .help:
            guard rest.isEmpty else {
                return fail(.parseUnexpectedText, ["text": rest.joined(separator: " ")])
            }
            return .success(verb == .list ? .list : .help)
        case .timeline:
            let inc = takeIncident()
            var format = ExportFormat.md
            if let f = rest.first {
                guard let parsed = ExportFormat(rawValue: f.lowercased()), rest.count == 1 else {
                    return fail(.parseUnknownFormat, ["format": rest.joined(separator: " ")])
                }
                format = parsed
            }
            return .success(.timeline(inc, format: format))
        case .raci:
            guard rest.count == 1 else { return fail(.parseOneEventType) }
            return .success(.raci(eventType: rest[0]))
        case .runbook:
            guard rest.count == 1 else {
                return fail(.parseEventTypeOrRunbook)
            }
            return .success(.runbook(name: rest[0]))
        case .kpi:
            guard rest.count <= 1 else { return fail(.parseTooManyArguments) }
            guard let w = rest.first else { return .success(.kpi(window: nil)) }
            guard let d = BridgeDuration(parsing: w), d.seconds > 0 else {
                return fail(.parseBadPeriod, ["period": w])
            }
            return .success(.kpi(window: d))
        case .drill:
            guard rest.count >= 2, rest.count <= 3 else {
                return fail(.parseDrillKindAndResult)
            }
            guard let kind = DrillKind(rawValue: rest[0].lowercased()) else {
                return fail(.parseUnknownDrill, ["drill": rest[0]])
            }
            var minutes: Int?
            if rest.count == 3 {
                guard let m = Int(rest[2].replacingOccurrences(of: "m", with: "")), m >= 0, m <= Bounds.maxDurationSeconds / 60 else {
                    return fail(.parseBadMinutes, ["minutes": rest[2]])
                }
                minutes = m
            }
            return .success(.drill(kind: kind, result: rest[1], minutes: minutes))
        case .change:
            guard rest.count == 2 else {
                return fail(.parseChangeNameAndResult)
            }
            switch rest[1].lowercased() {
            case "success", "succeeded", "ok", "成功": return .success(.change(name: rest[0], success: true))
            case "failed", "failure", "ng", "失敗": return .success(.change(name: rest[0], success: false))
            default:
                return fail(.parseChangeResult, ["result": rest[1]])
            }
        }
    }

    static func isSeverity(_ s: String) -> Bool {
        let l = s.lowercased()
        return l.count == 4 && l.hasPrefix("sev") && l.last.map { "1234".contains($0) } == true
    }

    /// Turns platform mention forms into a bare handle: `<@U123>`, `<@U123|name>`, `@name`, `<at>Name</at>`;
    /// a qualified `@user:server` id stays whole (link forms are the platforms' `mentionLinks`).
    public static func mentionHandle(_ token: String) -> String {
        var t = token
        if t.hasPrefix("<@"), t.hasSuffix(">") {
            t = String(t.dropFirst(2).dropLast())
            if let bar = t.firstIndex(of: "|") { t = String(t[..<bar]) }
            return t
        }
        if t.hasPrefix("<at>"), t.hasSuffix("</at>") { return String(t.dropFirst(4).dropLast(5)) }
        if t.hasPrefix("@"), t.contains(":") { return t }  // a server-qualified user id
        if t.hasPrefix("@") { return String(t.dropFirst()) }
        return t
    }

    /// Replaces full-width spaces and other Unicode whitespace with ASCII spaces, trims the line.
    static func normalize(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if scalar == "\u{3000}" || scalar == "\t" || scalar == "\u{00A0}" || scalar == "\r" || scalar == "\n" {
                out.unicodeScalars.append(" ")
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        // Trim spaces (Unicode Zs) at both ends without Foundation's NSString bridging.
        let scalars = out.unicodeScalars
        func isSpace(_ u: Unicode.Scalar) -> Bool { u == " " || u.properties.generalCategory == .spaceSeparator }
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        return String(scalars[first...last])
    }

    /// Splits on spaces; "double quotes", “curly quotes” and 「かぎ括弧」 group words.
    static func tokenize(_ text: String) -> Result<[String], CommandError> {
        let pairs: [Character: Character] = ["\"": "\"", "“": "”", "「": "」"]
        var tokens: [String] = []
        var current = ""
        var closing: Character?
        var inToken = false
        for ch in text {
            if let c = closing {
                if ch == c { closing = nil } else { current.append(ch) }
                continue
            }
            if ch == " " {
                if inToken {
                    tokens.append(current)
                    current = ""
                    inToken = false
                }
                continue
            }
            if let c = pairs[ch], !inToken {
                closing = c
                inToken = true
                continue
            }
            current.append(ch)
            inToken = true
        }
        if closing != nil {
            return .failure(Refusal(.input, .parseUnclosedQuote, usage: helpUsage))
        }
        if inToken { tokens.append(current) }
        return .success(tokens)
    }

    /// `oncall`, `oncall <name>`, `oncall override <schedule> @person <from> <until> [reason]`, `oncall overrides
    /// [schedule]`, `oncall cancel <id>`. A time is `YYYY-MM-DD HH:MM` or `today|tomorrow|今日|明日 HH:MM`.
    static func parseOnCall(
        _ args: [String],
        fail: (Word, [String: String]) -> Result<ParsedCommand, CommandError>
    ) -> Result<ParsedCommand, CommandError> {
        var rest = args
        guard let sub = rest.first else { return .success(.oncall(nil)) }
        switch sub.lowercased() {
        case "override", "交代":
            rest.removeFirst()
            guard rest.count >= 6 else {
                return fail(.parseOverrideArguments, [:])
            }
            let schedule = rest.removeFirst()
            let user = rest.removeFirst()
            let from = rest.removeFirst() + " " + rest.removeFirst()
            let until = rest.removeFirst() + " " + rest.removeFirst()
            return .success(
                .oncallOverride(
                    schedule: schedule,
                    user: user,
                    from: from,
                    until: until,
                    reason: rest.isEmpty ? nil : rest.joined(separator: " ")
                )
            )
        case "overrides", "交代一覧":
            return .success(.oncallOverrides(rest.count > 1 ? rest[1] : nil))
        case "cancel", "取消":
            guard rest.count == 2, let id = Int64(rest[1].trimmingCharacters(in: CharacterSet(charactersIn: "#"))) else {
                return fail(.parseOverrideID, [:])
            }
            return .success(.oncallCancel(id))
        default:
            guard rest.count == 1 else { return fail(.parseTooManyArguments, [:]) }
            return .success(.oncall(sub))
        }
    }
}
