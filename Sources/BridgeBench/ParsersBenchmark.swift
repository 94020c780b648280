// Over 450 lines and one long function on purpose: each benchmark is a linear measurement script (set-up,
// warm-up, interleaved timed runs, report) that reads best top to bottom.
import BridgeAlerts
import BridgeChat
import BridgeCore
import Crypto
import Foundation
import Hummingbird

/// Each hand-written replacement of library code against the library call it replaces, on realistic inputs,
/// in the same process and run: ns/op of both (best of 3 interleaved runs after a warm-up that also sizes N
/// for about `--ms` milliseconds per run) and the ratio library / hand-written. Both sides are checked once to
/// give the same result before anything is timed.
func parsersBenchmark() throws {
    let targetSeconds = Double(argument("--ms", 1000)) / 1000
    var rows: [ParsersRow] = []
    var notes: [String] = []

    // 1. Alertmanager webhook: JSONValue.parse + AlertmanagerNotification(json:) (through the public `decode`,
    //    what the route calls) vs JSONDecoder into the same Decodable struct.
    let firing = try Data(
        contentsOf: URL(fileURLWithPath: "Tests/BridgeTests/Resources/alertmanager-webhook-firing.json")
    )
    let storm = Data(alertmanagerGroup(alerts: 10).utf8)
    let jsonDecoder = JSONDecoder()
    for (label, payload) in [("fixture firing, 1 alert", firing), ("group of 10 alerts", storm)] {
        let mine = try AlertmanagerNotification.decode(payload).get()
        let theirs = try jsonDecoder.decode(AlertmanagerNotification.self, from: payload)
        precondition(mine == theirs, "alertmanager: hand-written and JSONDecoder differ")
        rows += try compare(
            piece: "Alertmanager JSON",
            input: "\(label), \(payload.count) B",
            library: "JSONDecoder",
            target: targetSeconds,
            hand: { n in
                var sum = 0
                for _ in 0..<n {
                    guard case .success(let x) = AlertmanagerNotification.decode(payload) else { fatalError() }
                    sum &+= x.alerts.count &+ x.groupKey.utf8.count
                }
                return sum
            },
            libraries: [
                { n in
                    var sum = 0
                    for _ in 0..<n {
                        let x = try jsonDecoder.decode(AlertmanagerNotification.self, from: payload)
                        sum &+= x.alerts.count &+ x.groupKey.utf8.count
                    }
                    return sum
                }
            ]
        )
    }

    // 2. Slash-command form bodies: FormDecoder.decode vs Hummingbird's URLEncodedFormDecoder into
    //    [String: String] (from the body's bytes, as the route has them).
    let raw = try String(contentsOfFile: "Tests/BridgeTests/Resources/mattermost-slash-command.form", encoding: .utf8)
    guard let blank = raw.range(of: "\r\n\r\n") ?? raw.range(of: "\n\n") else { fatalError("no body in .form") }
    let mattermost = Data(raw[blank.upperBound...].trimmingCharacters(in: .newlines).utf8)
    let slack = Data(slackSlashCommandBody().utf8)
    let formDecoder = URLEncodedFormDecoder()
    for (label, body) in [("Mattermost fixture", mattermost), ("Slack /incident declare, Japanese text", slack)] {
        guard let mine = FormDecoder.decode(body) else { fatalError("FormDecoder rejected \(label)") }
        let theirs = try formDecoder.decode([String: String].self, from: String(decoding: body, as: UTF8.self))
        precondition(mine == theirs, "form: FormDecoder and URLEncodedFormDecoder differ on \(label)")
        precondition(label.hasPrefix("Mattermost") || mine["text"] == "declare db-outage sev1 注文DB停止")
        rows += try compare(
            piece: "slash-command form",
            input: "\(label), \(mine.count) fields, \(body.count) B",
            library: "Hummingbird URLEncodedFormDecoder",
            target: targetSeconds,
            hand: { n in
                var sum = 0
                for _ in 0..<n { sum &+= FormDecoder.decode(body)!.count }
                return sum
            },
            libraries: [
                { n in
                    var sum = 0
                    for _ in 0..<n {
                        sum &+= try formDecoder.decode(
                            [String: String].self,
                            from: String(decoding: body, as: UTF8.self)
                        ).count
                    }
                    return sum
                }
            ]
        )
    }

    // 3. The flat JSON chat answer: ChatRoutes.json(_ fields:) / jsonString (copied below) vs JSONSerialization
    //    and JSONEncoder, both with sorted keys.
    let answer = ["response_type": "ephemeral", "text": japaneseReply()]
    let serializationOptions: JSONSerialization.WritingOptions = [.sortedKeys]
    let jsonEncoder = JSONEncoder()
    jsonEncoder.outputFormatting = [.sortedKeys]
    let plainEncoder = JSONEncoder()
    plainEncoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    do {
        let mine = Data(flatJSON(answer))
        let viaSerialization = try JSONSerialization.data(withJSONObject: answer, options: serializationOptions)
        let viaEncoder = try jsonEncoder.encode(answer)
        let viaPlainEncoder = try plainEncoder.encode(answer)
        // Equal as documents (both libraries escape "/" as "\/" by default, so the bytes may differ).
        let reread = try jsonDecoder.decode([String: String].self, from: mine)
        precondition(reread == answer, "flat JSON: the hand-written document does not read back")
        for other in [viaSerialization, viaEncoder, viaPlainEncoder] {
            let theirs = try jsonDecoder.decode([String: String].self, from: other)
            precondition(reread == theirs, "flat JSON: hand-written and library documents differ")
        }
        notes.append(
            "flat JSON: same document from all three; bytes identical to the hand-written: JSONSerialization "
                + "\(mine == viaSerialization), JSONEncoder \(mine == viaEncoder), "
                + "JSONEncoder .withoutEscapingSlashes \(mine == viaPlainEncoder)"
        )
        rows += try compare(
            piece: "flat JSON answer",
            input: "2 fields, text \(answer["text"]!.count) chars, \(mine.count) B",
            library: [
                "JSONSerialization .sortedKeys", "JSONEncoder .sortedKeys",
                "JSONEncoder .sortedKeys .withoutEscapingSlashes",
            ],
            target: targetSeconds,
            hand: { n in
                var sum = 0
                for _ in 0..<n { sum &+= flatJSON(answer).count }
                return sum
            },
            libraries: [
                { n in
                    var sum = 0
                    for _ in 0..<n {
                        sum &+= try JSONSerialization.data(withJSONObject: answer, options: serializationOptions).count
                    }
                    return sum
                },
                { n in
                    var sum = 0
                    for _ in 0..<n { sum &+= try jsonEncoder.encode(answer).count }
                    return sum
                },
                { n in
                    var sum = 0
                    for _ in 0..<n { sum &+= try plainEncoder.encode(answer).count }
                    return sum
                },
            ]
        )
    }

    // 4a. RecordCache (BridgeStore, internal: its logic copied below) vs decoding the record text with the
    //     store's JSONDecoder every time (GRDBTransaction.decode). The probe string is a separate copy of the
    //     text, as a row read from SQLite is, so the hit pays the full hash and compare.
    do {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        func decode(_ s: String) throws -> Incident { try decoder.decode(Incident.self, from: Data(s.utf8)) }

        let records = try (1...2048).map { String(decoding: try encoder.encode(sampleIncident($0)), as: UTF8.self) }
        let text = records[0]
        let probe = String(decoding: Array(text.utf8), as: UTF8.self)
        let hitCache = BenchRecordCache(decode: decode)
        _ = try hitCache.incident(text)
        let cached = try hitCache.incident(probe)
        precondition(hitCache.hits == 1, "record cache: the probe missed")
        let fresh = try decode(probe)
        precondition(cached == fresh, "record cache: hit differs from a decode")
        rows += try compare(
            piece: "RecordCache hit",
            input: "1 open incident record, \(text.utf8.count) B",
            library: "JSONDecoder each read",
            target: targetSeconds,
            hand: { n in
                var sum = 0
                for _ in 0..<n { sum &+= try hitCache.incident(probe).responsible.count }
                return sum
            },
            libraries: [
                { n in
                    var sum = 0
                    for _ in 0..<n { sum &+= try decode(probe).responsible.count }
                    return sum
                }
            ]
        )
        // Every read a miss (2048 distinct records cycled through the 1024-entry cache): what the cache costs
        // when the record changed since the last read (the store does not fill it on write).
        let probes = records.map { String(decoding: Array($0.utf8), as: UTF8.self) }
        let missCache = BenchRecordCache(decode: decode)
        var nextMiss = 0  // carried across the warm-up and the runs, so no record comes back within 2048 reads
        var nextDecode = 0
        rows += try compare(
            piece: "RecordCache miss",
            input: "2048 distinct records cycled, ~\(text.utf8.count) B",
            library: "JSONDecoder each read",
            target: targetSeconds,
            hand: { n in
                var sum = 0
                for _ in 0..<n {
                    sum &+= try missCache.incident(probes[nextMiss & 2047]).responsible.count
                    nextMiss &+= 1
                }
                return sum
            },
            libraries: [
                { n in
                    var sum = 0
                    for _ in 0..<n {
                        sum &+= try decode(probes[nextDecode & 2047]).responsible.count
                        nextDecode &+= 1
                    }
                    return sum
                }
            ]
        )
        precondition(missCache.hits == 0, "record cache: the miss run hit \(missCache.hits) times")
    }

    // 4b. SharedKey (BridgeChat, internal: copied below): the HMAC keyed once and copied per request vs
    //     HMAC<SHA256>(key:) per request from a shared SymmetricKey (the code it replaced in 1ea3a56).
    do {
        let secret = "8f742231b10e8888abcd99yyyzzz85a5"
        let symmetric = SymmetricKey(data: Data(secret.utf8))
        let shared = BenchSharedKey(symmetric)
        let timestamp = "1764284908"
        func keyedOnce() -> HashedAuthenticationCode<SHA256> {
            var mac = shared.hmac
            var prefix = "v0:\(timestamp):"
            prefix.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
            mac.update(data: slack)
            return mac.finalize()
        }
        func keyedPerRequest() -> HashedAuthenticationCode<SHA256> {
            var mac = HMAC<SHA256>(key: symmetric)
            var prefix = "v0:\(timestamp):"
            prefix.withUTF8 { mac.update(data: UnsafeRawBufferPointer($0)) }
            mac.update(data: slack)
            return mac.finalize()
        }
        let hex = keyedPerRequest().map { String(format: "%02x", $0) }.joined()
        precondition(keyedOnce() == keyedPerRequest(), "shared key: MACs differ")
        precondition(
            SlackSignature(secret: secret).sign(timestamp: timestamp, body: slack) == "v0=" + hex,
            "shared key: the copied logic does not sign like SlackSignature"
        )
        rows += try compare(
            piece: "SharedKey (Slack HMAC)",
            input: "v0 MAC of the Slack body, \(slack.count) B",
            library: "HMAC<SHA256>(key:) per request",
            target: targetSeconds,
            hand: { n in
                var sum = 0
                for _ in 0..<n { sum &+= keyedOnce().withUnsafeBytes { Int($0[0]) } }
                return sum
            },
            libraries: [
                { n in
                    var sum = 0
                    for _ in 0..<n { sum &+= keyedPerRequest().withUnsafeBytes { Int($0[0]) } }
                    return sum
                }
            ]
        )
    }

    let hit = rows.first { $0.piece == "RecordCache hit" }!
    let miss = rows.first { $0.piece == "RecordCache miss" }!
    let saved = hit.libraryNs - hit.handNs
    let lost = miss.handNs - miss.libraryNs
    notes.append(
        String(
            format: "RecordCache: a hit saves %.0f ns, a miss costs %.0f ns more than a plain decode: break-even at a %.0f%% hit rate",
            saved,
            lost,
            100 * lost / (saved + lost)
        )
    )
    printParsersTable(rows, target: targetSeconds)
    for note in notes { print("  " + note) }
}

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
