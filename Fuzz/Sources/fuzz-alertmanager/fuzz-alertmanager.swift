import BridgeAlerts
import BridgeCore
import Foundation
import FuzzSupport

// Alertmanager webhook v4: the byte-level JSON parser (`JSONValue`) and the payload checks, then the neutral
// alert signal. Differential against Foundation's parser: what `JSONValue` accepts Foundation accepts too, with the
// same values (found: numbers such as `05` and `1.`, fixed in 0f6c6d3).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAlertmanager(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = Fuzz.data(bytes, size)
    if let mine = try? JSONValue.parse(body) {
        let show = Fuzz.show(String(decoding: body, as: UTF8.self))
        if let theirs = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]) {
            Fuzz.check(same(mine, theirs), "JSONValue and JSONSerialization read \(show) differently: \(mine)")
        } else {
            Fuzz.check(false, "JSONValue accepted what JSONSerialization refuses: \(show)")
        }
    }
    switch AlertmanagerNotification.decode(body) {
    case .success(let n):
        Fuzz.check(n.version == "4" && !n.groupKey.isEmpty, "a payload accepted without version 4 and a groupKey")
        let signal = n.signal
        Fuzz.check(signal.alerts.count == n.alerts.count, "alerts lost on the way to the signal")
    case .failure(let refusal):
        let words = Fuzz.exampleConfig.words
        Fuzz.check(!refusal.text(words, .en).isEmpty && !refusal.text(words, .ja).isEmpty, "an empty refusal")
    }
    return 0
}

/// The same document: strings, keys and structure equal, numbers equal to 12 significant digits.
func same(_ a: JSONValue, _ b: Any) -> Bool {
    switch a {
    case .null: return b is NSNull
    case .string(let s): return (b as? String) == s
    case .bool(let x): return (b as? NSNumber)?.boolValue == x || (b as? Bool) == x
    case .number(let d):
        guard let n = (b as? NSNumber)?.doubleValue else { return false }
        return n == d || abs(n - d) <= 1e-12 * max(abs(n), abs(d))
    case .array(let xs):
        guard let ys = b as? [Any], ys.count == xs.count else { return false }
        return zip(xs, ys).allSatisfy { same($0, $1) }
    case .object(let o):
        guard let m = b as? [String: Any], m.count == o.count else { return false }
        return o.allSatisfy { k, v in m[k].map { same(v, $0) } ?? false }
    }
}
