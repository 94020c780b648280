import Foundation

/// Read access to incident records.
public protocol IncidentReader {
    func incident(_ id: IncidentID) throws -> Incident?
    func openIncidents() throws -> [Incident]
    /// Incidents declared at or after `since`, newest first.
    func incidents(declaredSince since: Date) throws -> [Incident]
    /// The moments of the incidents declared at or after `since` (what `kpi` needs), without decoding records.
    func incidentTimes(declaredSince since: Date) throws -> [IncidentTimes]
    /// The newest `limit` incidents that are no longer open, declared at or after `since`, newest first.
    func closedIncidents(declaredSince since: Date, limit: Int) throws -> [Incident]
    func timeline(_ id: IncidentID) throws -> [TimelineEntry]
    /// Up to `limit` entries with an id above `afterID`, in order (an export read in chunks).
    func timeline(_ id: IncidentID, after afterID: Int64, limit: Int) throws -> [TimelineEntry]
    /// The newest `limit` entries in time order, and how many the incident has (a page's first screen).
    func timeline(_ id: IncidentID, latest limit: Int) throws -> (entries: [TimelineEntry], total: Int)
    /// The open incident opened by alert group `key`, if any.
    func openIncident(alertGroupKey key: String) throws -> Incident?
    /// Which of `fingerprints` incident `id` has already named in its timeline (an index lookup per fingerprint).
    func knownAlerts(_ id: IncidentID, among fingerprints: [String]) throws -> Set<String>
    func pendingTimers(_ id: IncidentID) throws -> [IncidentTimer]
    /// Unfired, uncancelled timers due at or before `now`, earliest first.
    func dueTimers(now: Date, limit: Int) throws -> [IncidentTimer]
    /// The earliest due time of any pending timer.
    func nextTimerDue() throws -> Date?
    func drills() throws -> [DrillRecord]
    func changes(since: Date) throws -> [ChangeRecord]
    /// On-call overrides not cancelled that end after `after`, oldest first.
    func onCallOverrides(endingAfter after: Date) throws -> [OnCallOverride]
}

/// Everything one command may write; a store applies it in ONE transaction.
public protocol IncidentTransaction: IncidentReader {
    /// The next free sequence number for incidents of local day `day` (`20261126`).
    func nextIncidentSequence(day: String) throws -> Int
    func insert(_ incident: Incident) throws
    func update(_ incident: Incident) throws
    func append(_ entry: TimelineEntry) throws
    /// Stores a pending timer; `now` (the caller's clock) is its creation time.
    func schedule(_ timer: IncidentTimer, at now: Date) throws
    func cancelTimers(_ id: IncidentID, _ which: TimerCancellation, at: Date) throws
    @discardableResult func enqueue(_ message: OutboxMessage) throws -> Int64
    /// Records an inbound delivery id; false when it was seen before (a retried delivery).
    func recordInbound(key: String, at: Date) throws -> Bool
    func record(_ drill: DrillRecord) throws
    /// Marks a timer fired if it is still pending; false when it already fired or was cancelled (the guard
    /// that makes each timer fire exactly once).
    func markFired(_ timerID: Int64, at: Date) throws -> Bool
    func record(_ change: ChangeRecord) throws
    /// Stores an on-call override; returns its id.
    @discardableResult func insert(_ override: OnCallOverride) throws -> Int64
    /// Cancels an override; false when there is none with this id (or it was cancelled before).
    func cancelOverride(_ id: Int64, at: Date, by actor: String) throws -> Bool
    /// Remembers that incident `id` has named these alerts (see `knownAlerts`).
    func rememberAlerts(_ id: IncidentID, _ fingerprints: [String]) throws
}

/// The durable store of incidents, timelines, timers and the outbox.
public protocol IncidentStore: Sendable {
    func write<T: Sendable>(_ body: @escaping @Sendable (any IncidentTransaction) throws -> T) async throws -> T
    func read<T: Sendable>(_ body: @Sendable (any IncidentReader) throws -> T) async throws -> T
}

/// A drill result recorded for the readiness review.
public struct DrillRecord: Sendable, Codable, Equatable {
    public var kind: String
    public var result: String
    public var minutes: Int?
    public var at: Date
    public var actor: String
    public init(kind: String, result: String, minutes: Int?, at: Date, actor: String) {
        self.kind = kind
        self.result = result
        self.minutes = minutes
        self.at = at
        self.actor = actor
    }
}

/// A change outcome recorded for the change-success KPI.
public struct ChangeRecord: Sendable, Codable, Equatable {
    public var name: String
    public var success: Bool
    public var at: Date
    public var actor: String
    public init(name: String, success: Bool, at: Date, actor: String) {
        self.name = name
        self.success = success
        self.at = at
        self.actor = actor
    }
}
