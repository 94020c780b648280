import BridgeAlerts
import BridgeChat
import BridgeCore
import Crypto
import Foundation
import Hummingbird

// MARK: - Timing

struct ParsersRow {
    var piece: String
    var input: String
    var library: String
    var handNs: Double
    var handSpread: Double
    var handN: Int
    var libraryNs: Double
    var librarySpread: Double
    var libraryN: Int
    var ratio: Double { libraryNs / handNs }
}

nonisolated(unsafe) var parsersSink = 0

/// Runs `body(n)` with growing n until it takes 50 ms (the warm-up), then returns the n for `target` seconds.
func calibrate(_ body: (Int) throws -> Int, target: Double) rethrows -> Int {
    var n = 1
    while true {
        let start = DispatchTime.now().uptimeNanoseconds
        parsersSink &+= try body(n)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        if seconds >= 0.05 { return max(1, Int(Double(n) * target / seconds)) }
        n *= 2
    }
}

/// ns/op of one run of `n` iterations.
func timeRun(_ body: (Int) throws -> Int, n: Int) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    parsersSink &+= try body(n)
    return Double(DispatchTime.now().uptimeNanoseconds - start) / Double(n)
}

func compare(
    piece: String,
    input: String,
    library: String,
    target: Double,
    hand: @escaping (Int) throws -> Int,
    libraries: [(Int) throws -> Int]
) throws -> [ParsersRow] {
    try compare(piece: piece, input: input, library: [library], target: target, hand: hand, libraries: libraries)
}

/// Warm-up and sizing of every arm, then 3 rounds, each timing every arm once (interleaved, so a slow moment
/// of the machine does not land on one side only); the best round of each arm counts.
func compare(
    piece: String,
    input: String,
    library names: [String],
    target: Double,
    hand: @escaping (Int) throws -> Int,
    libraries: [(Int) throws -> Int]
) throws -> [ParsersRow] {
    let arms = [hand] + libraries
    let ns = try arms.map { try calibrate($0, target: target) }
    var runs = Array(repeating: [Double](), count: arms.count)
    for _ in 0..<3 {
        for (i, arm) in arms.enumerated() { runs[i].append(try timeRun(arm, n: ns[i])) }
    }
    func spread(_ xs: [Double]) -> Double { xs.max()! / xs.min()! - 1 }
    return names.enumerated().map { k, name in
        ParsersRow(
            piece: piece,
            input: input,
            library: name,
            handNs: runs[0].min()!,
            handSpread: spread(runs[0]),
            handN: ns[0],
            libraryNs: runs[k + 1].min()!,
            librarySpread: spread(runs[k + 1]),
            libraryN: ns[k + 1]
        )
    }
}

func printParsersTable(_ rows: [ParsersRow], target: Double) {
    func pad(_ s: String, _ w: Int) -> String { s + String(repeating: " ", count: max(0, w - s.count)) }
    func lpad(_ s: String, _ w: Int) -> String { String(repeating: " ", count: max(0, w - s.count)) + s }
    func cell(_ ns: Double, _ spread: Double) -> String { String(format: "%.0f (+%.0f%%)", ns, spread * 100) }
    print(
        String(
            format: "parsers: hand-written vs library, ns/op, best of 3 interleaved runs of ~%.1f s each after warm-up",
            target
        )
    )
    print("  (+x% = worst run over best; ratio = library / hand-written, > 1 means the hand-written code is faster)")
    let w = (
        rows.map(\.piece.count).max()!, rows.map(\.input.count).max()!, rows.map(\.library.count).max()!
    )
    print(
        "  " + pad("piece", w.0) + "  " + pad("input", w.1) + "  " + lpad("hand ns/op", 14) + "  "
            + pad("library", w.2) + "  " + lpad("lib ns/op", 14) + "  " + lpad("ratio", 7) + "  N hand / lib"
    )
    for r in rows {
        print(
            "  " + pad(r.piece, w.0) + "  " + pad(r.input, w.1) + "  " + lpad(cell(r.handNs, r.handSpread), 14)
                + "  " + pad(r.library, w.2) + "  " + lpad(cell(r.libraryNs, r.librarySpread), 14) + "  "
                + lpad(String(format: "%.2fx", r.ratio), 7) + "  \(r.handN) / \(r.libraryN)"
        )
    }
    if parsersSink == 42 { print("") }  // keeps the results alive
}

// MARK: - Copies of internal code under test

/// `ChatRoutes.json(_ fields: [String: String])`'s bytes (BridgeServer, internal), without the Response.
func flatJSON(_ fields: [String: String]) -> [UInt8] {
    var out = [UInt8]("{".utf8)
    for (i, key) in fields.keys.sorted().enumerated() {
        if i > 0 { out.append(UInt8(ascii: ",")) }
        flatJSONString(key, into: &out)
        out.append(UInt8(ascii: ":"))
        flatJSONString(fields[key]!, into: &out)
    }
    out.append(UInt8(ascii: "}"))
    return out
}

/// `ChatRoutes.jsonString` (BridgeServer, internal), verbatim.
func flatJSONString(_ s: String, into out: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    out.append(UInt8(ascii: "\""))
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
        case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
        case UInt8(ascii: "\n"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case UInt8(ascii: "\r"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case UInt8(ascii: "\t"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0..<0x20:
            out.append(contentsOf: Array("\\u00".utf8))
            out.append(hex[Int(b >> 4)])
            out.append(hex[Int(b & 0x0f)])
        default: out.append(b)
        }
    }
    out.append(UInt8(ascii: "\""))
}

/// `RecordCache` (BridgeStore, internal), with the decode passed in and a hit counter for the bench's check.
final class BenchRecordCache: @unchecked Sendable {
    private let lock = NSLock()
    private var byText: [String: Incident] = [:]
    private let limit = 1024
    private let decode: (String) throws -> Incident
    private(set) var hits = 0

    init(decode: @escaping (String) throws -> Incident) { self.decode = decode }

    func incident(_ text: String) throws -> Incident {
        if let hit = lock.withLock({ byText[text] }) {
            hits += 1
            return hit
        }
        let decoded = try decode(text)
        lock.withLock {
            if byText.count >= limit { byText.removeAll(keepingCapacity: true) }
            byText[text] = decoded
        }
        return decoded
    }
}

/// `SharedKey` (BridgeChat, internal), verbatim.
final class BenchSharedKey: @unchecked Sendable {
    let hmac: HMAC<SHA256>
    init(_ key: SymmetricKey) { self.hmac = HMAC<SHA256>(key: key) }
}

// MARK: - Inputs

/// An Alertmanager v4 group notification with `alerts` firing alerts (as in the alerts benchmark's storm).
func alertmanagerGroup(alerts n: Int) -> String {
    let alerts = (0..<n).map { k in
        "{\"status\":\"firing\",\"labels\":{\"alertname\":\"DiskFull\",\"service\":\"db\",\"cluster\":\"c7\",\"instance\":\"db\(k):9100\",\"severity\":\"critical\"},"
            + "\"annotations\":{\"summary\":\"Disk almost full on db\(k)\",\"runbook_url\":\"http://runbooks.local/disk\"},"
            + "\"startsAt\":\"2026-11-26T23:08:28Z\",\"endsAt\":\"0001-01-01T00:00:00Z\","
            + "\"generatorURL\":\"http://127.0.0.1:9090/graph?g0.expr=disk_free\",\"fingerprint\":\"b3cdf832dd4b7a\(k)\"}"
    }.joined(separator: ",")
    return "{\"receiver\":\"bot-webhook\",\"status\":\"firing\",\"alerts\":[\(alerts)],"
        + "\"groupLabels\":{\"alertname\":\"DiskFull\",\"cluster\":\"c7\"},"
        + "\"commonLabels\":{\"alertname\":\"DiskFull\",\"service\":\"db\",\"cluster\":\"c7\",\"severity\":\"critical\"},"
        + "\"commonAnnotations\":{\"runbook_url\":\"http://runbooks.local/disk\"},\"externalURL\":\"http://vm:9093\","
        + "\"version\":\"4\",\"groupKey\":\"{}:{alertname=\\\"DiskFull\\\", cluster=\\\"c7\\\"}\",\"truncatedAlerts\":0}"
}

/// `application/x-www-form-urlencoded` as Slack sends it: `+` for spaces, `%XX` for everything not unreserved.
func formEncode(_ s: String) -> String {
    var out = ""
    for b in s.utf8 {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "*"):
            out.unicodeScalars.append(Unicode.Scalar(b))
        case UInt8(ascii: " "): out += "+"
        default: out += String(format: "%%%02X", b)
        }
    }
    return out
}

/// A Slack slash-command body for `/incident declare db-outage sev1 注文DB停止`.
func slackSlashCommandBody() -> String {
    let fields = [
        ("token", "gIkuvaNzQIHg97ATvDxqgjtO"),
        ("team_id", "T0001ABCDEF"),
        ("team_domain", "example"),
        ("channel_id", "C2147483705"),
        ("channel_name", "incidents"),
        ("user_id", "U2147483697"),
        ("user_name", "oncall.alice"),
        ("command", "/incident"),
        ("text", "declare db-outage sev1 注文DB停止"),
        ("api_app_id", "A0KRD7HC3"),
        ("is_enterprise_install", "false"),
        ("response_url", "https://hooks.slack.com/commands/T0001ABCDEF/1234567890123/fakeresponsehook0000000"),
        ("trigger_id", "13345224609.738474920.8088930838d88f008e0"),
    ]
    return fields.map { formEncode($0.0) + "=" + formEncode($0.1) }.joined(separator: "&")
}

/// A Japanese declare post (Templates/ja/declare.mustache, rendered and shortened), about 400 characters.
func japaneseReply() -> String {
    """
    【重大障害宣言】INC-20261127-001 [sev1 最重要] 注文DB停止
    イベント種別: データベース障害（db-outage）
    宣言: 2026-11-27 10:42 JST（@oncall.alice）
    R（実行責任者）: @oncall.alice, @dba.bob
    A（説明責任者）: @sre-lead.carol
    初動期限: 10:57 JST（15分）/ 復旧期限: 12:42 JST（2時間）
    次回状況報告: 11:12 JST（30分ごと）
    アラート: Disk almost full on db01 "primary"
    呼出し: @oncall.alice @dba.bob
    操作: /incident ack（了解）· /incident update <状況>（更新）· /incident resolve <概要>（復旧）
    """
}

/// An open incident record as the store keeps it (Japanese title and summary, RACI filled in).
func sampleIncident(_ seq: Int) -> Incident {
    var i = Incident(
        id: IncidentID.make(day: "20261127", sequence: seq),
        eventType: "db-outage",
        severity: "sev1",
        title: "注文DB停止 — checkout が 5xx を返す",
        state: .acknowledged,
        declaredAt: Date(timeIntervalSince1970: 1_764_207_720),
        declaredBy: "oncall.alice",
        responsible: ["oncall.alice", "dba.bob"],
        accountable: ["sre-lead.carol"],
        consulted: ["payments.dave", "vendor-support"],
        informed: ["cs-team", "exec-oncall"],
        assignments: ["commander": "sre-lead.carol", "comms": "cs.erin", "scribe": "dba.bob"],
        origin: Destination(platform: "slack", channel: "C2147483705")
    )
    i.acknowledgedAt = Date(timeIntervalSince1970: 1_764_207_900)
    i.acknowledgedBy = "dba.bob"
    i.firstResponseAt = i.acknowledgedAt
    i.lastUpdateAt = Date(timeIntervalSince1970: 1_764_208_800)
    i.summary = "プライマリのディスク枯渇。古いWALを退避して書き込みを再開、レプリカの遅延を監視中。"
    i.escalationStep = 1
    i.alertGroupKey = "{}:{alertname=\"DiskFull\", service=\"db\"}"
    return i
}
