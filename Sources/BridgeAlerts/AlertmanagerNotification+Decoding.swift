import Foundation

/// Alertmanager's payload read by `JSONDecoder`; the keys the bot does not use are decoded too (`StrictJSON`), so a
/// malformed value anywhere is refused.
extension AlertmanagerNotification {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case version, groupKey, status, receiver, groupLabels, commonLabels, commonAnnotations, externalURL, alerts
    }
    static let knownKeys = Set(CodingKeys.allCases.map(\.rawValue))

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        version = try c.decode(String.self, forKey: .version)
        groupKey = try c.decode(String.self, forKey: .groupKey)
        status = try c.decode(String.self, forKey: .status)
        receiver = try c.decodeIfPresent(String.self, forKey: .receiver)
        groupLabels = try c.decodeIfPresent([String: String].self, forKey: .groupLabels)
        commonLabels = try c.decodeIfPresent([String: String].self, forKey: .commonLabels)
        commonAnnotations = try c.decodeIfPresent([String: String].self, forKey: .commonAnnotations)
        externalURL = try c.decodeIfPresent(String.self, forKey: .externalURL)
        alerts = try c.decode([Alert].self, forKey: .alerts)
        try StrictJSON.decodeRest(decoder, known: Self.knownKeys)
    }
}

extension AlertmanagerNotification.Alert {
    enum CodingKeys: String, CodingKey, CaseIterable {
        case status, labels, annotations, startsAt, endsAt, generatorURL, fingerprint
    }
    static let knownKeys = Set(CodingKeys.allCases.map(\.rawValue))

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        status = try c.decode(String.self, forKey: .status)
        labels = try c.decode([String: String].self, forKey: .labels)
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations)
        startsAt = try c.decodeIfPresent(String.self, forKey: .startsAt)
        endsAt = try c.decodeIfPresent(String.self, forKey: .endsAt)
        generatorURL = try c.decodeIfPresent(String.self, forKey: .generatorURL)
        fingerprint = try c.decodeIfPresent(String.self, forKey: .fingerprint)
        try StrictJSON.decodeRest(decoder, known: Self.knownKeys)
    }
}
