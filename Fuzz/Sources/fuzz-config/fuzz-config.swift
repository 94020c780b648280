import BridgeConfig
import BridgeCore
import Foundation
import FuzzSupport

// `bridge.yaml` (Yams, then `ConfigReader` into typed settings) strictly and leniently: a bad file must be an error
// naming a key path, never a trap at start-up.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ bytes: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = Fuzz.text(bytes, size)
    for lenient in [false, true] {
        do {
            let loaded = try ConfigLoader.load(yaml: text, file: "fuzz.yaml", lenient: lenient)
            _ = loaded.configuration.schedules.count
        } catch let e as ConfigError {
            Fuzz.check(!e.issues.isEmpty, "a ConfigError without issues")
            _ = e.description
        } catch {
            Fuzz.check(false, "ConfigLoader threw \(type(of: error)), not a ConfigError: \(error)")
        }
    }
    return 0
}
