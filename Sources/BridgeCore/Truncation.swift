import Foundation

/// Cuts a text to a platform's size limit with a visible marker, at a character boundary; the full text stays in
/// the timeline and the outbox row.
public enum Truncation {
    public static let marker = "\n… (truncated)"

    /// `text` if it has at most `maxCharacters` characters (and, when given, `maxUTF8Bytes` bytes), else its
    /// head with `marker` so that the result fits both.
    public static func cut(_ text: String, maxCharacters: Int, maxUTF8Bytes: Int? = nil) -> String {
        let bytes = maxUTF8Bytes ?? Int.max
        if text.count <= maxCharacters && text.utf8.count <= bytes { return text }
        var head = String(text.prefix(max(0, maxCharacters - marker.count)))
        let room = bytes == Int.max ? Int.max : bytes - marker.utf8.count
        while head.utf8.count > room { head.removeLast(max(1, (head.utf8.count - room) / 4)) }
        return head + marker
    }
}
