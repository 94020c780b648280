import BridgeCore
import Foundation

/// What `JSONDecoder` needs to read a webhook as strictly as `JSONSerialization` does. Foundation's decoder checks
/// a number or a string only when it is asked for it, so a payload's decoder asks for the values of the keys it
/// does not use too (`decodeRest`): a bad number, escape or string anywhere in the document is refused.
enum StrictJSON {
    /// Nesting deeper than this is refused (an Alertmanager payload nests three levels).
    static let maxDepth = 64

    /// Any key of an object.
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Decodes the value of every key of the object `decoder` is on that is not in `known`.
    static func decodeRest(_ decoder: any Decoder, known: Set<String>) throws {
        let object = try decoder.container(keyedBy: AnyKey.self)
        for key in object.allKeys where !known.contains(key.stringValue) {
            _ = try object.decode(AnyValue.self, forKey: key)
        }
    }

    /// Any JSON value, decoded down to its leaves so that the decoder checks each of them.
    struct AnyValue: Decodable {
        init(from decoder: any Decoder) throws {
            guard decoder.codingPath.count < StrictJSON.maxDepth else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "nested too deeply"))
            }
            if var items = try? decoder.unkeyedContainer() {
                while !items.isAtEnd { _ = try items.decode(AnyValue.self) }
            } else if let object = try? decoder.container(keyedBy: AnyKey.self) {
                for key in object.allKeys { _ = try object.decode(AnyValue.self, forKey: key) }
            } else {
                // A mismatch means "another kind of value"; any other error is a malformed one of this kind.
                let value = try decoder.singleValueContainer()
                if value.decodeNil() { return }
                do {
                    _ = try value.decode(Bool.self)
                    return
                } catch DecodingError.typeMismatch {}
                do {
                    _ = try value.decode(Double.self)
                    return
                } catch DecodingError.typeMismatch {}
                _ = try value.decode(String.self)
            }
        }
    }

    /// The decoder's error in one line: the missing field, the field of the wrong type, or why it is not JSON.
    static func line(_ error: DecodingError) -> LocalizedLine {
        func path(_ keys: [any CodingKey]) -> String {
            keys.isEmpty ? "(root)" : keys.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let at = path(context.codingPath + [key])
            return .init(en: "missing field \(at)", ja: "\(at) がありません")
        case .valueNotFound(_, let context):
            let at = path(context.codingPath)
            return .init(en: "missing field \(at)", ja: "\(at) がありません")
        case .typeMismatch(_, let context):
            let at = path(context.codingPath)
            return .init(en: "wrong type at \(at)", ja: "\(at) の型が不正です")
        case .dataCorrupted(let context):
            var why = context.underlyingError.map { "\($0)" } ?? context.debugDescription
            if !context.codingPath.isEmpty { why += " at \(path(context.codingPath))" }
            why = why.split(whereSeparator: \.isNewline).joined(separator: " ")
            return .init(en: "not JSON (\(why))", ja: "JSONではありません（\(why)）")
        @unknown default:
            return .init(en: "not JSON", ja: "JSONではありません")
        }
    }
}
