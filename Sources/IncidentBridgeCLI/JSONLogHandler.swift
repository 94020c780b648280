import ArgumentParser
import BridgeCore
import Foundation
import Logging

/// How `serve` writes its logs to stderr.
enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    /// swift-log's `StreamLogHandler` lines, for people and journald.
    case text
    /// One JSON object a line, for log shippers.
    case json
}

/// Writes each log event as one JSON line on stderr: timestamp (UTC, ms), level, label, message, metadata, source.
/// Metadata keys that name a secret are redacted: a token must not reach a log even by mistake.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    let sink: @Sendable (String) -> Void

    init(
        label: String,
        metadataProvider: Logger.MetadataProvider? = nil,
        sink: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError
    ) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.sink = sink
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let own = event.metadata { merged.merge(own) { _, new in new } }
        var line = "{\"timestamp\":" + Self.quote(Self.timestamp(Date()))
        line += ",\"level\":" + Self.quote(event.level.rawValue)
        line += ",\"label\":" + Self.quote(label)
        line += ",\"message\":" + Self.quote(event.message.description)
        line += ",\"metadata\":" + Self.object(merged)
        if let error = event.error { line += ",\"error\":" + Self.quote("\(error)") }
        line += ",\"source\":" + Self.quote(event.source) + "}"
        sink(line)
    }

    static let lock = NSLock()

    /// Writes one line to stderr; the lock keeps concurrent lines whole.
    static let standardError: @Sendable (String) -> Void = { line in
        JSONLogHandler.lock.withLock { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// Key fragments whose values are never written.
    static let secretKeyFragments = [
        "token", "secret", "password", "passwd", "signature", "authorization", "cookie",
        "api_key", "apikey", "routing_key", "credential",
    ]

    static func isSecret(_ key: String) -> Bool {
        let k = key.lowercased()
        return secretKeyFragments.contains { k.contains($0) }
    }

    static func object(_ metadata: Logger.Metadata) -> String {
        let fields = metadata.sorted { $0.key < $1.key }.map { key, value in
            quote(key) + ":" + (isSecret(key) ? quote("[redacted]") : json(value))
        }
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func json(_ value: Logger.MetadataValue) -> String {
        switch value {
        case .string(let s): return quote(s)
        case .stringConvertible(let c): return quote(c.description)
        case .dictionary(let d): return object(d)
        case .array(let a): return "[" + a.map(json).joined(separator: ",") + "]"
        }
    }

    /// A JSON string literal (RFC 8259 escaping; non-ASCII passes through as UTF-8).
    static func quote(_ s: String) -> String { JSONText.quote(s) }

    /// `2026-11-26T01:05:03.123Z`.
    static func timestamp(_ date: Date) -> String {
        let t = date.timeIntervalSince1970
        var seconds = time_t(t.rounded(.down))
        let millis = Int((t - t.rounded(.down)) * 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ n: Int, _ width: Int = 2) -> String {
            let s = String(n)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return "\(pad(Int(parts.tm_year) + 1900, 4))-\(pad(Int(parts.tm_mon) + 1))-\(pad(Int(parts.tm_mday)))"
            + "T\(pad(Int(parts.tm_hour))):\(pad(Int(parts.tm_min))):\(pad(Int(parts.tm_sec))).\(pad(millis, 3))Z"
    }
}
