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

    /// Decodes and checks the fields the bot relies on; the refusal (kind `input`, an `alert.*` word) says what is
    /// wrong in one line.
    public static func decode(_ data: Data) -> Result<AlertmanagerNotification, Refusal> {
        let root: JSONValue
        do {
            root = try JSONValue.parse(data)
        } catch {
            return .failure(Refusal(.input, .alertNotJSON, ["error": "\(error)"]))
        }
        do {
            let n = try AlertmanagerNotification(json: root)
            guard n.version == "4" else {
                return .failure(Refusal(.input, .alertUnsupportedVersion, ["version": n.version]))
            }
            guard n.status == "firing" || n.status == "resolved" else {
                return .failure(Refusal(.input, .alertUnknownStatus, ["status": n.status]))
            }
            guard !n.groupKey.isEmpty else { return .failure(Refusal(.input, .alertEmptyGroupKey)) }
            return .success(n)
        } catch {
            return .failure(error.line)
        }
    }

    /// A payload field that is missing or of the wrong type.
    struct FieldError: Error {
        var path: String
        var missing: Bool
        var line: Refusal { Refusal(.input, missing ? .alertMissingField : .alertWrongType, ["path": path]) }
    }

    init(json: JSONValue) throws(FieldError) {
        guard case .object(let o) = json else { throw FieldError(path: "(root)", missing: false) }
        version = try Self.required(o, "version", path: "")
        groupKey = try Self.required(o, "groupKey", path: "")
        status = try Self.required(o, "status", path: "")
        receiver = try Self.optional(o, "receiver", path: "")
        groupLabels = try Self.labels(o, "groupLabels", path: "")
        commonLabels = try Self.labels(o, "commonLabels", path: "")
        commonAnnotations = try Self.labels(o, "commonAnnotations", path: "")
        externalURL = try Self.optional(o, "externalURL", path: "")
        guard let list = o["alerts"] else { throw FieldError(path: "alerts", missing: true) }
        guard case .array(let items) = list else { throw FieldError(path: "alerts", missing: false) }
        var alerts: [Alert] = []
        alerts.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            let path = "alerts.\(i)."
            guard case .object(let a) = item else { throw FieldError(path: "alerts.\(i)", missing: false) }
            guard let labels = try Self.labels(a, "labels", path: path) else {
                throw FieldError(path: path + "labels", missing: true)
            }
            alerts.append(
                Alert(
                    status: try Self.required(a, "status", path: path),
                    labels: labels,
                    annotations: try Self.labels(a, "annotations", path: path),
                    startsAt: try Self.optional(a, "startsAt", path: path),
                    endsAt: try Self.optional(a, "endsAt", path: path),
                    generatorURL: try Self.optional(a, "generatorURL", path: path),
                    fingerprint: try Self.optional(a, "fingerprint", path: path)
                )
            )
        }
        self.alerts = alerts
    }

    static func required(_ o: [String: JSONValue], _ key: String, path: String) throws(FieldError) -> String {
        guard let v = o[key], !v.isNull else { throw FieldError(path: path + key, missing: true) }
        guard case .string(let s) = v else { throw FieldError(path: path + key, missing: false) }
        return s
    }

    static func optional(_ o: [String: JSONValue], _ key: String, path: String) throws(FieldError) -> String? {
        guard let v = o[key], !v.isNull else { return nil }
        guard case .string(let s) = v else { throw FieldError(path: path + key, missing: false) }
        return s
    }

    /// A string-to-string map (labels, annotations).
    static func labels(_ o: [String: JSONValue], _ key: String, path: String) throws(FieldError) -> [String: String]? {
        guard let v = o[key], !v.isNull else { return nil }
        guard case .object(let m) = v else { throw FieldError(path: path + key, missing: false) }
        var out: [String: String] = [:]
        out.reserveCapacity(m.count)
        for (k, x) in m {
            guard case .string(let s) = x else { throw FieldError(path: path + key + "." + k, missing: false) }
            out[k] = s
        }
        return out
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
