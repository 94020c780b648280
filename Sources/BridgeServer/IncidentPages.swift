import BridgeCore
import BridgeStore
import BridgeTemplates
@preconcurrency import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache

/// The read-only pages of `serve`: `GET /incidents` (open and recent incidents) and `GET /incidents/<INC>` (one
/// incident, its timeline and SLA clocks), HTML from `Templates/html/*.mustache`, readable on a phone. When
/// `http.read_token_env` is set, they need that token as `Authorization: Bearer <token>` or `?token=<token>`;
/// without one they are served only with `http.public_pages: true`.
public struct IncidentPages: Sendable {
    /// Who may read the pages.
    enum Access: Sendable {
        case open
        /// SHA-256 of the token: compared in constant time.
        case token(SHA256.Digest)
        /// `http.read_token_env` names a variable that is not set: refuse everything rather than serve openly.
        case unavailable
    }

    let config: BridgeConfiguration
    let store: SQLiteStore
    let clock: any BridgeClock
    let metrics: BridgeMetrics?
    let logger: Logger
    let access: Access
    let templates: Result<MustacheLibrary, TemplateError>
    /// Incidents declared this long ago or less are listed under "recent" after they are resolved.
    let recentWindow: TimeInterval = 14 * 86_400
    let recentLimit = 50

    /// Pages over the parts of `serve`; templates from `templates`/html (default: the one bot posts use).
    public init(
        parts: BridgeServer.Parts,
        templates: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.init(
            config: parts.environment.config,
            store: parts.environment.store,
            clock: parts.environment.clock,
            metrics: parts.metrics,
            templates: templates,
            environment: environment,
            logger: parts.logger
        )
    }

    public init(
        config: BridgeConfiguration,
        store: SQLiteStore,
        clock: any BridgeClock,
        metrics: BridgeMetrics?,
        templates: String?,
        environment: [String: String],
        logger: Logger
    ) {
        self.config = config
        self.store = store
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        if let name = config.http.readTokenEnv {
            if let token = environment[name], !token.isEmpty {
                access = .token(SHA256.hash(data: Data(token.utf8)))
            } else {
                access = .unavailable
                logger.error(
                    "incident pages refused: the variable named by http.read_token_env is not set",
                    metadata: ["env": "\(name)"]
                )
            }
        } else if config.http.publicPages {
            access = .open
        } else {
            // Neither a token nor `http.public_pages: true`: closed (serve refuses to start this way anyway).
            access = .unavailable
        }
        let root = templates ?? MustacheRenderer.defaultDirectory(configPath: config.sourcePath)
        self.templates = Self.load((root as NSString).appendingPathComponent("html"))
        if case .failure(let e) = self.templates {
            logger.error("incident pages unavailable", metadata: ["error": "\(e)"])
        }
    }

    static func load(_ dir: String) -> Result<MustacheLibrary, TemplateError> {
        var out: [String: MustacheTemplate] = [:]
        for name in ["head", "incidents", "incident"] {
            let file = (dir as NSString).appendingPathComponent("\(name).mustache")
            guard let data = FileManager.default.contents(atPath: file) else {
                return .failure(
                    TemplateError(
                        message: "missing template \(file) (set INCIDENT_BRIDGE_TEMPLATES to the Templates folder)"
                    )
                )
            }
            do {
                // HTML content type (the default): every {{value}} is escaped.
                out[name] = try MustacheTemplate(string: String(decoding: data, as: UTF8.self))
            } catch {
                return .failure(TemplateError(message: "template \(file) does not parse: \(error)"))
            }
        }
        return .success(MustacheLibrary(templates: out))
    }

    /// Adds the two routes.
    public func register(on router: Router<BasicRequestContext>) {
        router.get("/incidents") { request, _ -> Response in
            try await self.respond(request, template: "incidents") { link in
                try await self.listContext(now: self.clock.now(), link: link)
            }
        }
        router.get("/incidents/:id") { request, context -> Response in
            let raw = context.parameters.get("id") ?? ""
            let all = request.uri.queryParameters["all"] == "1"
            return try await self.respond(request, template: "incident") { link in
                guard IncidentID.looksLikeID(raw) else { return nil }
                return try await self.incidentContext(IncidentID(raw.uppercased()), now: self.clock.now(), link: link, all: all)
            }
        }
    }

    // MARK: - Access

    /// True when the request carries the read token (or none is needed).
    func authorized(_ request: Request) -> Bool {
        switch access {
        case .open: return true
        case .unavailable: return false
        case .token(let expected):
            var offered: [String] = []
            if let auth = request.headers[.authorization] {
                let parts = auth.split(separator: " ", maxSplits: 1)
                if parts.count == 2, parts[0].lowercased() == "bearer" {
                    offered.append(parts[1].trimmingCharacters(in: .whitespaces))
                }
            }
            if let q = request.uri.queryParameters["token"] { offered.append(String(q)) }
            // Check every offered token: the time taken does not depend on which one, or how much of it, matched.
            var ok = false
            for token in offered where constantTimeEquals(Array(SHA256.hash(data: Data(token.utf8))), Array(expected)) {
                ok = true
            }
            return ok
        }
    }

    /// The query suffix that keeps `?token=` on links when the reader came with one.
    func linkSuffix(_ request: Request) -> String {
        guard case .token = access, let q = request.uri.queryParameters["token"] else { return "" }
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return "?token=" + (String(q).addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
    }

    // MARK: - Responses

    func respond(
        _ request: Request,
        template: String,
        _ build: (String) async throws -> [String: Any]?
    ) async throws
        -> Response
    {
        guard authorized(request) else {
            let route = template == "incidents" ? "/incidents" : "/incidents/:id"
            if case .unavailable = access {
                metrics?.rejected(route: route, reason: "read_token_unset")
                return Self.text(
                    .serviceUnavailable,
                    "the read token is not configured on the server (http.read_token_env)"
                )
            }
            metrics?.rejected(route: route, reason: "unauthorized")
            var r = Self.text(
                .unauthorized,
                "this page needs the read token: Authorization: Bearer <token> or ?token=<token>"
            )
            r.headers[.wwwAuthenticate] = "Bearer realm=\"incident-bridge\""
            return r
        }
        let library: MustacheLibrary
        switch templates {
        case .success(let l): library = l
        case .failure(let e): return Self.text(.internalServerError, e.message)
        }
        guard let context = try await build(linkSuffix(request)) else {
            return Self.text(.notFound, config.locale == .ja ? "インシデントが見つかりません" : "no such incident")
        }
        guard let html = library.render(context, withTemplate: template) else {
            return Self.text(.internalServerError, "template \(template) did not render")
        }
        var headers = Self.commonHeaders
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    /// No caching (the pages may be token-protected), no scripts, no framing, no referrer carrying `?token=`.
    static let commonHeaders: HTTPFields = {
        var h = HTTPFields()
        h[.cacheControl] = "no-store"
        h[.contentSecurityPolicy] =
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        h[.xContentTypeOptions] = "nosniff"
        h[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return h
    }()

    static func text(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var headers = commonHeaders
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: message + "\n")))
    }

    // MARK: - Template contexts

    var ja: Bool { config.locale == .ja }
    var tz: LocalTime { LocalTime(config.timeZone) }
    func name(_ id: String) -> String { config.people[id]?.name ?? id }

    /// The page-wide values every template gets.
    func base(now: Date, link: String) -> [String: Any] {
        [
            "lang": config.locale.rawValue, "l": Self.labels(config.locale).table, "now": tz.display(now),
            "timezone": config.timeZone.identifier, "list_href": "/incidents" + link,
        ]
    }

    /// `/incidents`: open incidents, then the recently declared ones that are no longer open.
    func listContext(now: Date, link: String) async throws -> [String: Any] {
        let since = now.addingTimeInterval(-recentWindow)
        // Only what the page shows: the open incidents and the newest closed ones (not every record of 14 days).
        let limit = recentLimit
        let (open, closed) = try await store.read { r in
            (try r.openIncidents(), try r.closedIncidents(declaredSince: since, limit: limit))
        }
        let openSorted = open.sorted { $0.declaredAt > $1.declaredAt }
        func rows(_ list: [Incident]) -> [[String: Any]] { list.map { row($0, now: now, link: link) } }
        var c = base(now: now, link: link)
        c["open"] = rows(openSorted)
        c["has_open"] = !openSorted.isEmpty
        c["open_count"] = openSorted.count
        c["recent"] = rows(Array(closed))
        c["has_recent"] = !closed.isEmpty
        return c
    }

    /// One row of the list.
    func row(_ inc: Incident, now: Date, link: String) -> [String: Any] {
        let sla = slaLeft(inc, now: now)
        return [
            "id": inc.id.rawValue, "href": "/incidents/\(inc.id.rawValue)\(link)", "severity": inc.severity,
            "state": stateLabel(inc.state), "title": inc.title,
            "responsible": inc.responsible.map(name).joined(separator: ", "),
            "accountable": inc.accountable.map(name).joined(separator: ", "),
            "declared_at": tz.display(inc.declaredAt), "declared_iso": tz.iso8601(inc.declaredAt),
            "sla": sla.text, "sla_class": sla.cssClass,
        ]
    }

    /// The most urgent SLA clock as text: a breach still running, else the time left on the next clock to run out;
    /// clocks already missed follow.
    func slaLeft(_ inc: Incident, now: Date) -> (text: String, cssClass: String) {
        let clocks = ClockResult.evaluate(inc, config: config, now: now)
        guard !clocks.isEmpty else { return ("-", "") }
        func stopped(_ c: ClockResult) -> Bool {
            c.clock == .firstResponse ? inc.firstResponseAt != nil : (inc.mitigatedAt ?? inc.resolvedAt) != nil
        }
        let breaching = clocks.filter { $0.status == .missed && !stopped($0) && inc.state.isOpen }
        let missed = clocks.filter { $0.status == .missed && !breaching.contains($0) }
        var parts: [String] = []
        var css = "ok"
        if let b = breaching.min(by: { $0.deadline < $1.deadline }) {
            let over = Self.minutes(BridgeDuration.between(b.deadline, now))
            parts.append(ja ? "\(clockLabel(b.clock)) 超過 \(over)" : "\(clockLabel(b.clock)) breached \(over) ago")
            css = "bad"
        } else if let next = clocks.filter({ $0.status == .running }).min(by: { $0.deadline < $1.deadline }) {
            let left = Self.minutes(BridgeDuration.between(now, next.deadline))
            parts.append(ja ? "\(clockLabel(next.clock)) 残り \(left)" : "\(clockLabel(next.clock)) \(left) left")
            if Double(left.seconds) < 0.2 * next.target.timeInterval { css = "warn" }
        }
        for m in missed {
            parts.append(ja ? "\(clockLabel(m.clock)) 未達" : "\(clockLabel(m.clock)) missed")
            css = "bad"
        }
        if parts.isEmpty { parts.append(ja ? "達成" : "met") }
        return (parts.joined(separator: " · "), css)
    }

    /// Whole minutes once past one: `3h59m`, not `3h59m44s`.
    static func minutes(_ d: BridgeDuration) -> BridgeDuration {
        abs(d.seconds) < 60 ? d : BridgeDuration(seconds: d.seconds / 60 * 60)
    }

    /// `/incidents/<INC>`: summary, R/A/C/I, SLA clocks, the timeline; nil when there is no such incident.
    /// How many timeline entries the first screen of an incident page shows (the newest); `?all=1` shows all.
    static let firstScreen = 200

    func incidentContext(_ id: IncidentID, now: Date, link: String, all: Bool = false) async throws -> [String: Any]? {
        let limit = all ? Int.max : Self.firstScreen
        guard
            let (inc, entries, total) = try await store.read({ r -> (Incident, [TimelineEntry], Int)? in
                guard let i = try r.incident(id) else { return nil }
                let t = try r.timeline(id, latest: limit)
                return (i, t.entries, t.total)
            })
        else { return nil }
        var c = base(now: now, link: link)
        let type = config.eventTypes[inc.eventType]
        let sev = config.severities[inc.severity]
        c["id"] = inc.id.rawValue
        c["title"] = inc.title
        c["state"] = stateLabel(inc.state)
        c["is_open"] = inc.state.isOpen
        c["severity"] = inc.severity
        c["severity_name"] = sev?.name ?? inc.severity
        c["event_type"] = inc.eventType
        c["event_type_name"] = type?.name ?? inc.eventType
        var facts: [[String: Any]] = []
        func fact(_ label: String, _ value: String?, iso: Date? = nil) {
            guard let value, !value.isEmpty else { return }
            var f: [String: Any] = ["label": label, "value": value]
            if let iso { f["iso"] = tz.iso8601(iso) }
            facts.append(f)
        }
        let l = Self.labels(config.locale)
        fact(l["event_type"], "\(type?.name ?? inc.eventType) (\(inc.eventType))")
        fact(l["severity"], sev.map { "\(inc.severity) \($0.name)" } ?? inc.severity)
        fact(l["state"], stateLabel(inc.state))
        fact(l["declared"], "\(tz.display(inc.declaredAt)) (\(name(inc.declaredBy)))", iso: inc.declaredAt)
        if let a = inc.acknowledgedAt {
            fact(l["acknowledged"], "\(tz.display(a))" + (inc.acknowledgedBy.map { " (\(name($0)))" } ?? ""), iso: a)
        }
        if let m = inc.mitigatedAt { fact(l["mitigated"], tz.display(m), iso: m) }
        if let r = inc.resolvedAt {
            fact(l["resolved"], "\(tz.display(r)) (\(BridgeDuration.between(inc.declaredAt, r)))", iso: r)
        }
        if let x = inc.closedAt { fact(l["closed"], tz.display(x), iso: x) }
        fact(l["resolution"], inc.summary)
        fact(l["maintenance"], inc.maintenanceWindow)
        fact(l["bridge"], [config.bridge.phone, config.bridge.url].filter { !$0.isEmpty }.joined(separator: " · "))
        c["facts"] = facts
        var people: [[String: Any]] = [
            ["label": l["responsible"], "value": inc.responsible.map(name).joined(separator: ", ")],
            ["label": l["accountable"], "value": inc.accountable.map(name).joined(separator: ", ")],
            ["label": l["consulted"], "value": inc.consulted.map(name).joined(separator: ", ")],
            ["label": l["informed"], "value": inc.informed.map(name).joined(separator: ", ")],
        ]
        for (role, person) in inc.assignments.sorted(by: { $0.key < $1.key }) {
            people.append(["label": role, "value": name(person)])
        }
        c["people"] = people.filter { !(($0["value"] as? String) ?? "").isEmpty }
        c["clocks"] = ClockResult.evaluate(inc, config: config, now: now).map { clock -> [String: Any] in
            [
                "clock": clockLabel(clock.clock), "target": clock.target.description,
                "elapsed": clock.elapsed.description,
                "status": statusLabel(clock.status),
                "status_class": clock.status == .missed ? "bad" : clock.status == .met ? "ok" : "",
                "deadline": tz.display(clock.deadline), "deadline_iso": tz.iso8601(clock.deadline),
            ]
        }
        c["timeline"] = entries.map { e -> [String: Any] in
            [
                "at": tz.display(e.at), "iso": tz.iso8601(e.at), "actor": name(e.actor), "kind": e.kind.rawValue,
                "text": e.text,
            ]
        }
        c["has_timeline"] = !entries.isEmpty
        if entries.count < total {
            let shown = ja ? "最新 \(entries.count) 件を表示（全 \(total) 件）" : "Showing the latest \(entries.count) of \(total) entries"
            let href = "/incidents/\(inc.id.rawValue)" + (link.isEmpty ? "?all=1" : link + "&all=1")
            c["timeline_more"] = ["shown": shown, "href": href]
        }
        if let base = config.runbooks.baseURL, !base.isEmpty {
            c["runbooks"] = (type?.runbooks ?? []).map { ["file": $0, "href": config.runbooks.link(for: $0)] }
        } else {
            c["runbooks"] = (type?.runbooks ?? []).map { ["file": config.runbooks.link(for: $0)] }
        }
        c["has_runbooks"] = !(type?.runbooks ?? []).isEmpty
        return c
    }

    // MARK: - Labels

    func stateLabel(_ s: IncidentState) -> String {
        guard ja else { return s.rawValue }
        switch s {
        case .declared: return "宣言"
        case .acknowledged: return "了解"
        case .mitigated: return "暫定復旧"
        case .resolved: return "復旧"
        case .closed: return "クローズ"
        }
    }

    func clockLabel(_ c: SLAClock) -> String {
        switch c {
        case .firstResponse: return ja ? "初動" : "first response"
        case .restore: return ja ? "復旧" : "restore"
        }
    }

    func statusLabel(_ s: ClockResult.Status) -> String {
        switch s {
        case .running: return ja ? "計測中" : "running"
        case .met: return ja ? "達成" : "met"
        case .missed: return ja ? "未達" : "missed"
        }
    }

    /// Page labels in the config's language.
    static func labels(_ locale: BridgeConfiguration.Locale) -> Labels {
        Labels(
            locale == .ja
                ? [
                    "list_title": "インシデント一覧", "open": "対応中", "recent": "最近のインシデント（14日以内）",
                    "no_open": "対応中のインシデントはありません", "no_recent": "最近のインシデントはありません",
                    "id": "ID", "severity": "重大度", "state": "状態", "title": "件名", "responsible": "R（実行責任者）",
                    "accountable": "A（説明責任者）", "consulted": "C（協議先）", "informed": "I（報告先）",
                    "sla_left": "SLA残り", "declared": "宣言", "acknowledged": "了解", "mitigated": "暫定復旧",
                    "resolved": "復旧", "closed": "クローズ", "resolution": "復旧内容", "maintenance": "メンテナンス時間帯",
                    "bridge": "ブリッジ", "event_type": "イベント種別", "summary": "概要", "people": "体制",
                    "clocks": "SLAクロック", "clock": "クロック", "target": "目標", "elapsed": "実績", "result": "判定",
                    "deadline": "期限", "timeline": "タイムライン", "time": "時刻", "actor": "実施者", "kind": "種別",
                    "text": "内容", "no_timeline": "記録はまだありません", "show_all": "すべて表示", "runbooks": "手順書", "back": "一覧へ戻る",
                    "generated": "表示時刻", "times_in": "時刻はすべて",
                ]
                : [
                    "list_title": "Incidents", "open": "Open", "recent": "Recent (last 14 days)",
                    "no_open": "No open incidents", "no_recent": "No recent incidents",
                    "id": "ID", "severity": "Severity", "state": "State", "title": "Title",
                    "responsible": "R (responsible)",
                    "accountable": "A (accountable)", "consulted": "C (consulted)", "informed": "I (informed)",
                    "sla_left": "SLA time left", "declared": "Declared", "acknowledged": "Acknowledged",
                    "mitigated": "Mitigated", "resolved": "Resolved", "closed": "Closed", "resolution": "Resolution",
                    "maintenance": "Maintenance window", "bridge": "Bridge", "event_type": "Event type",
                    "summary": "Summary",
                    "people": "Who", "clocks": "SLA clocks", "clock": "Clock", "target": "Target", "elapsed": "Actual",
                    "result": "Result", "deadline": "Deadline", "timeline": "Timeline", "time": "Time",
                    "actor": "Actor",
                    "kind": "Kind", "text": "Text", "no_timeline": "Nothing recorded yet", "show_all": "Show all", "runbooks": "Runbooks",
                    "back": "All incidents", "generated": "As of", "times_in": "All times in",
                ]
        )
    }

    /// A label table: a missing key shows as the key itself, never as an empty cell.
    struct Labels: Sendable {
        let table: [String: String]
        init(_ table: [String: String]) { self.table = table }
        subscript(_ key: String) -> String { table[key] ?? key }
    }
}
