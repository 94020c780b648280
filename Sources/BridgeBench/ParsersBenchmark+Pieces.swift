import BridgeAlerts
import BridgeChat
import BridgeCore
import Crypto
import Foundation
import Hummingbird

// One function per hand-written piece measured by `incident-bridge-bench parsers`.

/// Alertmanager webhook: the byte-level JSON parser vs JSONDecoder.
func alertmanagerJSON(_ targetSeconds: Double, _ rows: inout [ParsersRow], _ notes: inout [String]) throws {
    // 1. Alertmanager webhook: JSONValue.parse + AlertmanagerNotification(json:) (through the public `decode`,
    //    what the route calls) vs JSONDecoder into the same Decodable struct.
    let firing = try Data(
        contentsOf: URL(fileURLWithPath: "Tests/Resources/alertmanager-webhook-firing.json")
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
}

/// Slash-command forms: FormDecoder vs Hummingbird's URLEncodedFormDecoder.
func slashCommandForms(_ targetSeconds: Double, _ rows: inout [ParsersRow], _ notes: inout [String]) throws {
    // 2. Slash-command form bodies: FormDecoder.decode vs Hummingbird's URLEncodedFormDecoder into
    //    [String: String] (from the body's bytes, as the route has them).
    let raw = try String(contentsOfFile: "Tests/Resources/mattermost-slash-command.form", encoding: .utf8)
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
}

/// The flat JSON chat answer: the hand-written writer vs JSONSerialization and JSONEncoder.
func flatJSONAnswer(_ targetSeconds: Double, _ rows: inout [ParsersRow], _ notes: inout [String]) throws {
    let jsonDecoder = JSONDecoder()
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
}

/// RecordCache vs decoding the record text each read.
func recordCache(_ targetSeconds: Double, _ rows: inout [ParsersRow], _ notes: inout [String]) throws {
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
}

/// SharedKey (the Slack HMAC keyed once) vs keying it per request.
func sharedKey(_ targetSeconds: Double, _ rows: inout [ParsersRow], _ notes: inout [String]) throws {
    let slack = Data(slackSlashCommandBody().utf8)
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
}
