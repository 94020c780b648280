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
    let store: any BridgeStorage
    let clock: any BridgeClock
    let metrics: BridgeMetrics?
    let logger: Logger
    let access: Access
    let templates: Result<MustacheLibrary, TemplateError>
    /// Incidents declared this long ago or less are listed under "recent" after they are resolved.
    let recentWindow: TimeInterval = 14 * 86_400
    let recentLimit = 50

    /// Pages over the parts of `serve`; templates from `templates`/html (default: the one bot posts use); the read
    /// token is the one `PlatformSettings` resolved at start.
    public init(
        parts: BridgeServer.Parts,
        templates: String? = nil
    ) {
        self.init(
            config: parts.environment.config,
            store: parts.environment.store,
            clock: parts.environment.clock,
            metrics: parts.metrics,
            templates: templates,
            readToken: parts.settings.readToken,
            logger: parts.logger
        )
    }

    public init(
        config: BridgeConfiguration,
        store: any BridgeStorage,
        clock: any BridgeClock,
        metrics: BridgeMetrics?,
        templates: String?,
        readToken: String?,
        logger: Logger
    ) {
        self.config = config
        self.store = store
        self.clock = clock
        self.metrics = metrics
        self.logger = logger
        if let name = config.http.readTokenEnv {
            if let token = readToken, !token.isEmpty {
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
        self.templates = Self.load(templates ?? TemplateLoader.defaultRoot(configPath: config.sourcePath))
        if case .failure(let e) = self.templates {
            logger.error("incident pages unavailable", metadata: ["error": "\(e)"])
        }
    }

    /// The pages' templates and partials (`incident` is `incident_top`, `incident_row` per entry, `incident_bottom`).
    static let templateNames = ["head", "incidents", "incident", "incident_top", "incident_row", "incident_bottom"]

    /// The HTML templates of `root`/html: every `{{value}}` is HTML-escaped on its bytes (`HTMLText`), not by
    /// swift-mustache's per-grapheme escaping.
    static func load(_ root: String) -> Result<MustacheLibrary, TemplateError> {
        do throws(TemplateError) {
            let templates = try TemplateLoader(root: root).mustache("html", names: templateNames, pragma: HTMLText.pragma)
            return .success(MustacheLibrary(templates: templates))
        } catch {
            return .failure(error)
        }
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
            if all, IncidentID.looksLikeID(raw), let streamed = try await self.streamAll(request, IncidentID(raw.uppercased())) {
                return streamed
            }
            // Not streamed (not authorized, no such incident, no timeline): answered as any page.
            return try await self.respond(request, template: "incident") { link in
                guard IncidentID.looksLikeID(raw) else { return nil }
                return try await self.incidentContext(
                    IncidentID(raw.uppercased()),
                    now: self.clock.now(),
                    link: link,
                    rows: all ? .all : .firstScreen
                )
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
            return Self.text(.notFound, config.word(.pageNoSuchIncident))
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
}
