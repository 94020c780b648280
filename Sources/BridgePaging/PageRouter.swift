import BridgeCore
import Foundation

/// Turns page requests into outbox rows for every configured pager (each pager's payload is built in its own
/// folder). Rows hold the request body without secrets; the posters add keys at delivery time.
public struct PageRouter: PageComposer {
    public var config: BridgeConfiguration
    /// The pager kinds (`Pagers.all`, or a test's list).
    public var registry: [any PagerKind]
    public init(config: BridgeConfiguration, registry: [any PagerKind] = Pagers.all) {
        self.config = config
        self.registry = registry
    }

    /// One payload for one pager destination, and who it names (for the timeline).
    public struct Payload {
        var platform: String
        var channel: String
        var body: [String: Any]
        var what: String
    }

    func json(_ object: Any) -> String {
        String(
            decoding: (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8),
            as: UTF8.self
        )
    }

    /// The pager-side key of one page (PagerDuty `dedup_key`, Opsgenie `alias`): the incident id for the
    /// declaration's page (as before steps had keys of their own), `<id>.r<round>s<step>` for each later one.
    static func key(_ inc: Incident, _ page: PageStep) -> String {
        page == PageStep() ? inc.id.rawValue : "\(inc.id).r\(page.round + 1)s\(page.step + 1)"
    }

    /// The roles a page reached: the trigger's own roles, else the policy step's, else R's.
    func roles(_ request: PageRequest, _ inc: Incident, _ page: PageStep) -> [String] {
        if request.action == .trigger, !request.roles.isEmpty { return request.roles }
        let policy = IncidentLifecycle(config: config).policy(for: inc)
        if let steps = policy?.steps, page.step < steps.count { return steps[page.step].notify }
        return config.eventTypes[inc.eventType]?.roles(.R) ?? []
    }

    /// The pages a request concerns: the one a trigger opens, or every page an acknowledge/resolve closes.
    func pages(_ request: PageRequest) -> [PageStep] {
        request.action == .trigger ? [request.page] : (request.opened.isEmpty ? [PageStep()] : request.opened)
    }

    /// One line (pager summaries and e-mail subjects: a line break in a title must not become a header).
    func summary(_ inc: Incident) -> String {
        let type = config.eventTypes[inc.eventType]?.name ?? inc.eventType
        return OneLine.clean("\(inc.id) [\(inc.severity)] \(inc.title) (\(type))")
    }

    /// The payloads of every configured pager for one request, in a fixed order.
    func payloads(_ request: PageRequest, _ inc: Incident, people: [BridgeConfiguration.Person]) -> [Payload] {
        let channels = config.paging.channels
        return registry.filter { channels[$0.id] != nil }.flatMap { $0.payloads(self, request, inc, people: people) }
    }

    /// Outbox rows and their timeline entries for one request.
    public func rows(
        for request: PageRequest,
        incident inc: Incident,
        now: Date
    ) -> (rows: [OutboxMessage], timeline: [TimelineEntry]) {
        var rows: [OutboxMessage] = []
        var entries: [TimelineEntry] = []
        let people = request.people.compactMap { config.people[$0] }
        for p in payloads(request, inc, people: people) {
            var m = OutboxMessage(
                incidentID: inc.id,
                destination: Destination(platform: p.platform, channel: p.channel),
                kind: "page_\(request.action.rawValue)",
                text: json(p.body),
                mentions: request.people,
                createdAt: now
            )
            m.nextAttemptAt = now
            rows.append(m)
            let args = ["action": request.action.rawValue, "platform": p.platform, "what": p.what]
            let text = config.word(p.what.isEmpty ? .deliveryQueued : .deliveryQueuedTo, args)
            entries.append(TimelineEntry(incidentID: inc.id, at: now, actor: "bot", kind: .page, text: text))
        }
        return (rows, entries)
    }
}
