import Foundation

/// An alert group as the core sees it, whatever monitoring system sent it: labels, annotations, status,
/// the group key that ties repeated notifications to one incident, and each alert's fingerprint.
public struct AlertSignal: Sendable, Equatable {
    public enum Status: String, Sendable { case firing, resolved }

    /// One alert of the group.
    public struct Alert: Sendable, Equatable {
        public var status: Status
        public var labels: [String: String]
        public var annotations: [String: String]
        public var generatorURL: String?
        public var fingerprint: String?
        public init(
            status: Status,
            labels: [String: String],
            annotations: [String: String] = [:],
            generatorURL: String? = nil,
            fingerprint: String? = nil
        ) {
            self.status = status
            self.labels = labels
            self.annotations = annotations
            self.generatorURL = generatorURL
            self.fingerprint = fingerprint
        }
    }

    /// Who sent it (the timeline actor and the incident's origin platform).
    public var source: String
    /// The sender's receiver or channel name (the incident's origin channel).
    public var receiver: String?
    public var groupKey: String
    public var status: Status
    public var commonLabels: [String: String]?
    public var commonAnnotations: [String: String]?
    public var alerts: [Alert]

    public init(
        source: String,
        receiver: String?,
        groupKey: String,
        status: Status,
        commonLabels: [String: String]?,
        commonAnnotations: [String: String]?,
        alerts: [Alert]
    ) {
        self.source = source
        self.receiver = receiver
        self.groupKey = groupKey
        self.status = status
        self.commonLabels = commonLabels
        self.commonAnnotations = commonAnnotations
        self.alerts = alerts
    }

    /// Labels to route on: the common labels, else the first alert's.
    public var routingLabels: [String: String] { commonLabels ?? alerts.first?.labels ?? [:] }

    public var firing: [Alert] { alerts.filter { $0.status == .firing } }

    /// Alerts named for a reader: `PayLatency instance=pay02: 決済API p99 > 3s on pay02`, the alert name, the
    /// labels whose values differ within the group, and the summary; at most `limit`, then "+N more". The
    /// fingerprints follow in brackets, so exports keep them (and later entries can tell new alerts from known).
    public func describe(_ some: [Alert], limit: Int = 10) -> String {
        var keys = Set(alerts.flatMap(\.labels.keys)).filter { k in
            k != "alertname" && Set(alerts.map { $0.labels[k] ?? "" }).count > 1
        }.sorted()
        // A group of one alert has no differing label: its instance still tells which machine it was.
        if keys.isEmpty, alerts.contains(where: { $0.labels["instance"] != nil }) { keys = ["instance"] }
        let named = some.prefix(limit).map { a -> String in
            let name = a.labels["alertname"] ?? routingLabels["alertname"] ?? "alert"
            let labels = keys.compactMap { k in a.labels[k].map { "\(k)=\($0)" } }.joined(separator: " ")
            let head = labels.isEmpty ? name : "\(name) \(labels)"
            let summary = a.annotations["summary"] ?? commonAnnotations?["summary"]
            return OneLine.clean(summary.map { "\(head): \($0)" } ?? head)
        }
        var text = named.joined(separator: "; ")
        if some.count > limit { text += " +\(some.count - limit) more" }
        let fingerprints = some.compactMap(\.fingerprint)
        if !fingerprints.isEmpty { text += " [\(fingerprints.joined(separator: ", "))]" }
        return text
    }

    /// A title for the incident: the summary annotation, else the alert name.
    public var title: String {
        commonAnnotations?["summary"] ?? alerts.first?.annotations["summary"]
            ?? routingLabels["alertname"].map {
                "\($0) \(routingLabels["instance"] ?? "")".trimmingCharacters(in: .whitespaces)
            }
            ?? groupKey
    }
}

extension BridgeConfiguration.AlertRoute {
    /// True when every `match` label equals and every `match_re` label fully matches.
    public func matches(_ labels: [String: String]) -> Bool {
        for (k, v) in match where labels[k] != v { return false }
        for (k, pattern) in matchRegex {
            guard let value = labels[k], let re = try? NSRegularExpression(pattern: "^(?:\(pattern))$") else {
                return false
            }
            if re.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) == nil { return false }
        }
        return true
    }
}

extension BridgeConfiguration {
    /// The first matching route, else the default route.
    public func alertRoute(for labels: [String: String]) -> AlertRoute? {
        alertRoutes.first { !$0.isDefault && $0.matches(labels) } ?? alertRoutes.first { $0.isDefault }
    }
}
