import BridgeAlerts
import BridgeCore
import Foundation
import FuzzSupport

// Alertmanager webhook v4: `JSONDecoder` with the payload's strict decoding (every value of the document read, the
// keys the bot does not use too) and the payload checks, then the neutral alert signal. Differential against
// Foundation's parser: what the decoder accepts `JSONSerialization` accepts too, with the same fields (found
// under the hand-written parser it replaced: numbers such as `05` and `1.`, fixed in 0f6c6d3). A key given twice
// is read by `JSONDecoder` as its first value and by `JSONSerialization` as its last: compared only when the
// document names it once.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAlertmanager(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let body = Fuzz.data(bytes, size)
    switch AlertmanagerNotification.decode(body) {
    case .success(let n):
        Fuzz.check(n.version == "4" && !n.groupKey.isEmpty, "a payload accepted without version 4 and a groupKey")
        let signal = n.signal
        Fuzz.check(signal.alerts.count == n.alerts.count, "alerts lost on the way to the signal")
        let show = Fuzz.show(String(decoding: body, as: UTF8.self))
        guard let theirs = try? JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            Fuzz.check(false, "the decoder accepted what JSONSerialization refuses: \(show)")
            return 0
        }
        let text = String(decoding: body, as: UTF8.self)
        let once = { (key: String) in !text.contains("\\u") && text.components(separatedBy: key).count == 2 }
        if once("groupKey") {
            Fuzz.check(theirs["groupKey"] as? String == n.groupKey, "groupKey read differently from \(show)")
        }
        if once("alerts") {
            Fuzz.check((theirs["alerts"] as? [Any])?.count == n.alerts.count, "alerts read differently from \(show)")
        }
    case .failure(let line):
        Fuzz.check(!line.en.isEmpty && !line.ja.isEmpty, "an empty refusal")
        Fuzz.check(!line.en.contains("\n"), "a refusal of more than one line")
    }
    return 0
}
