import BridgeCore
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
        } catch let error as DecodingError {
            return .failure(StrictJSON.line(error))
        } catch {
            return .failure(.init(en: "not JSON (\(error))", ja: "JSONではありません（\(error)）"))
        }
        guard n.version == "4" else {
            return .failure(
                .init(en: "unsupported payload version \(n.version) (expected 4)", ja: "未対応のバージョン \(n.version)")
            )
        }
        guard n.status == "firing" || n.status == "resolved" else {
            return .failure(.init(en: "unknown status \(n.status)", ja: "不明な status \(n.status)"))
        }
        guard !n.groupKey.isEmpty else { return .failure(.init(en: "empty groupKey", ja: "groupKey が空です")) }
        return .success(n)
    }

    /// The notification as the core's neutral alert signal.
    public var signal: AlertSignal {
        AlertSignal(
            source: "alertmanager",
            receiver: receiver,
            groupKey: groupKey,
            status: status == "resolved" ? .resolved : .firing,
            commonLabels: commonLabels,
            commonAnnotations: commonAnnotations,
            alerts: alerts.map {
                AlertSignal.Alert(
                    status: $0.status == "resolved" ? .resolved : .firing,
                    labels: $0.labels,
                    annotations: $0.annotations ?? [:],
                    generatorURL: $0.generatorURL,
                    fingerprint: $0.fingerprint
                )
            }
        )
    }
}
