import Foundation

/// Where an incident's channel posts go; BridgeChat implements it from the configured platforms.
public protocol ChannelDirectory: Sendable {
    /// The incident's origin channel (when its platform takes proactive posts) plus every configured channel.
    func destinations(origin: Destination) -> [Destination]
    /// True for a channel the config names as an incident channel (the read-only verbs answer anyone there).
    func isConfigured(_ channel: Destination) -> Bool
}

extension ChannelDirectory {
    public func isConfigured(_ channel: Destination) -> Bool {
        channel == .console || destinations(origin: Destination(platform: "", channel: "")).contains(channel)
    }

    /// True when `channel` is one of the incident's channels: its origin or a configured incident channel.
    public func isChannel(_ channel: Destination, of incident: Incident) -> Bool {
        channel == .console || channel == incident.origin || destinations(origin: incident.origin).contains(channel)
    }
}

/// Turns a lifecycle's page request into outbox rows for the configured pagers; BridgePaging implements it.
/// Rows hold no secrets: the pager adapters add keys at delivery time.
public protocol PageComposer: Sendable {
    /// Outbox rows and their timeline entries for one request.
    func rows(for request: PageRequest, incident: Incident, now: Date) -> (rows: [OutboxMessage], timeline: [TimelineEntry])
}

/// The reports the read-only verbs `timeline` and `kpi` print; BridgeOperatingModel implements it.
public protocol IncidentReports: Sendable {
    /// The timeline in `format`; `escape` is applied to every text a person or an alert wrote (the platform's
    /// escaping in chat, nothing for a file export).
    func timeline(
        _ incident: Incident,
        _ entries: [TimelineEntry],
        format: ExportFormat,
        now: Date?,
        escape: @escaping (String) -> String
    ) -> String
    func kpi(incidents: [IncidentTimes], changes: [ChangeRecord], now: Date, window: BridgeDuration) -> String
}

/// Everything a committed lifecycle step sends: posts rendered per destination platform, pages per pager.
public struct Outgoing: Sendable {
    public var renderer: any PostRenderer
    public var channels: any ChannelDirectory
    public var pager: any PageComposer
    public init(renderer: any PostRenderer, channels: any ChannelDirectory, pager: any PageComposer) {
        self.renderer = renderer
        self.channels = channels
        self.pager = pager
    }
}

/// A page composer for set-ups without pagers (tests of posts only).
public struct NoPagers: PageComposer {
    public init() {}
    public func rows(for request: PageRequest, incident: Incident, now: Date) -> (
        rows: [OutboxMessage], timeline: [TimelineEntry]
    ) { ([], []) }
}
