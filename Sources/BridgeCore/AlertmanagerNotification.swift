import Foundation

/// Alertmanager's webhook payload, version 4.
public struct AlertmanagerNotification: Sendable, Decodable, Equatable {
    public struct Alert: Sendable, Decodable, Equatable {
        public var status: String
        public var labels: [String: String]
        public var annotations: [String: String]?
        public var startsAt: String?
        public var endsAt: String?
        public var generatorURL: String?
        public var fingerprint: String?
    }
    public var version: String
    public var groupKey: String
    public var status: String
    public var receiver: String?
    public var groupLabels: [String: String]?
    public var commonLabels: [String: String]?
    public var commonAnnotations: [String: String]?
    public var externalURL: String?
    public var alerts: [Alert]

    /// Decodes and checks the fields the bot relies on; the error says what is wrong in one line.
    public static func decode(_ data: Data) -> Result<AlertmanagerNotification, LocalizedLine> {
        let n: AlertmanagerNotification
        do {
            n = try JSONDecoder().decode(AlertmanagerNotification.self, from: data)
        } catch DecodingError.keyNotFound(let key, _) {
            return .failure(.init(en: "missing field \(key.stringValue)", ja: "\(key.stringValue) がありません"))
        } catch DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx) {
            let path = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            return .failure(.init(en: "wrong type at \(path)", ja: "\(path) の型が不正です"))
        } catch {
            return .failure(.init(en: "not JSON", ja: "JSONではありません"))
        }
        guard n.version == "4" else {
            return .failure(.init(en: "unsupported payload version \(n.version) (expected 4)", ja: "未対応のバージョン \(n.version)"))
        }
        guard n.status == "firing" || n.status == "resolved" else {
            return .failure(.init(en: "unknown status \(n.status)", ja: "不明な status \(n.status)"))
        }
        guard !n.groupKey.isEmpty else { return .failure(.init(en: "empty groupKey", ja: "groupKey が空です")) }
        return .success(n)
    }

    /// Labels to route on: the common labels, else the first alert's.
    public var routingLabels: [String: String] { commonLabels ?? alerts.first?.labels ?? [:] }

    public var firing: [Alert] { alerts.filter { $0.status == "firing" } }

    /// A title for the incident: the summary annotation, else the alert name.
    public var title: String {
        commonAnnotations?["summary"] ?? alerts.first?.annotations?["summary"]
            ?? routingLabels["alertname"].map { "\($0) \(routingLabels["instance"] ?? "")".trimmingCharacters(in: .whitespaces) }
            ?? groupKey
    }
}

extension BridgeConfiguration.AlertRoute {
    /// True when every `match` label equals and every `match_re` label fully matches.
    public func matches(_ labels: [String: String]) -> Bool {
        for (k, v) in match where labels[k] != v { return false }
        for (k, pattern) in matchRegex {
            guard let value = labels[k], let re = try? NSRegularExpression(pattern: "^(?:\(pattern))$") else { return false }
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
