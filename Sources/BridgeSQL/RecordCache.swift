import BridgeCore
import Foundation

/// Decoded incident records by their stored JSON text, so reading an unchanged record (notes, repeated alerts of a
/// group) skips `JSONDecoder`; it pays on the note and alert-storm paths (see BENCHMARKS.md: "Hand-written code
/// against the library it replaces").
final class RecordCache: @unchecked Sendable {
    private let lock = NSLock()
    private var byText: [String: Incident] = [:]
    private let limit = 1024

    func incident(_ text: String) throws -> Incident {
        if let hit = lock.withLock({ byText[text] }) { return hit }
        let decoded: Incident
        do {
            decoded = try RecordCoding.decode(Incident.self, text)
        } catch {
            throw StoreError.corrupt("record", "is not an incident record (\(error))")
        }
        lock.withLock {
            if byText.count >= limit { byText.removeAll(keepingCapacity: true) }
            byText[text] = decoded
        }
        return decoded
    }
}
