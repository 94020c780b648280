import BridgeCore
import Foundation

/// The JSON of stored records (the incident record, outbox mentions): dates as seconds since 1970, keys sorted,
/// the same bytes from either store.
public enum RecordCoding {
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .secondsSince1970
        e.outputFormatting = [.sortedKeys]
        return e
    }()
    static let decoder: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .secondsSince1970
        return d
    }()

    /// A value as the JSON text stored.
    public static func encode<T: Encodable>(_ v: T) throws -> String {
        String(decoding: try encoder.encode(v), as: UTF8.self)
    }
    /// A value from the JSON text stored.
    public static func decode<T: Decodable>(_ t: T.Type, _ s: String) throws -> T {
        try decoder.decode(t, from: Data(s.utf8))
    }

    /// Decoded incident records by their exact JSON text: a command on an open incident reads the same record
    /// the previous command wrote, and decoding JSON is most of the cost of a lookup. Keyed by the whole text,
    /// so a changed record is never served stale.
    static let records = RecordCache()
}
