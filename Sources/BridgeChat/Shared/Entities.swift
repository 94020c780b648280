import Foundation

/// HTML-style entities for the characters a chat platform reads as markup.
public enum Entities {
    /// `<`, `>` (and `&`) as entities, on the UTF-8 bytes (NSString bridging is slow on Linux).
    public static func escape(_ s: String, ampersand: Bool) -> String {
        let utf8 = s.utf8
        guard
            utf8.contains(where: {
                $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: ">") || (ampersand && $0 == UInt8(ascii: "&"))
            })
        else { return s }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count + 16)
        for b in utf8 {
            switch b {
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "&") where ampersand: out.append(contentsOf: "&amp;".utf8)
            default: out.append(b)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
