import Foundation

/// Cuts a text to a platform's size limit with a visible marker; the full text stays in the timeline and the outbox
/// row. Sizes count Unicode scalars (code points, what Mattermost and Slack count) and UTF-8 bytes, never
/// `Character`s: one grapheme can hold any number of combining marks, and counting graphemes let a "short" text of
/// megabytes through to a platform that then refused the post for good.
public enum Truncation {
    public static let marker = "\n… (truncated)"

    /// `text` if it has at most `maxCharacters` Unicode scalars (and, when given, `maxUTF8Bytes` bytes), else its
    /// head with `marker` so that the result fits both.
    public static func cut(_ text: String, maxCharacters: Int, maxUTF8Bytes: Int? = nil) -> String {
        let bytes = maxUTF8Bytes ?? Int.max
        return cut(text) { $0.utf8.count <= bytes && ($0.utf8.count <= maxCharacters || $0.unicodeScalars.count <= maxCharacters) }
    }

    /// `text` if `fits(text)`, else the longest head of it followed by `marker` that fits (`marker` alone when none
    /// does). `fits` must hold for a shorter text when it holds for a longer one.
    public static func cut(_ text: String, marker: String = marker, fits: (String) -> Bool) -> String {
        if fits(text) { return text }
        let n = largest(upTo: text.unicodeScalars.count - 1) { fits(head(text, $0) + marker) }
        return head(text, n) + marker
    }

    /// The largest `n` in `0...limit` for which `holds(n)` (0 when none; `holds` must hold below a value it holds
    /// for): doubling from 1,024 and then bisecting, so that the work follows the answer, not `limit` (a post is
    /// at most tens of kilobytes, a text to cut may be megabytes).
    public static func largest(upTo limit: Int, where holds: (Int) -> Bool) -> Int {
        guard limit > 0 else { return 0 }
        var low = 0
        var high = limit
        var probe = min(1_024, limit)
        while probe < limit, holds(probe) {
            low = probe
            probe = min(probe * 2, limit)
        }
        high = probe
        while low < high {
            let mid = (low + high + 1) / 2
            if holds(mid) { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// At most `count` scalars of `text` followed by `ellipsis` when it is longer (a field cut to a budget).
    public static func field(_ text: String, maxScalars count: Int, ellipsis: String = "…") -> String {
        if text.utf8.count <= count || text.unicodeScalars.count <= count { return text }
        return head(text, count) + ellipsis
    }

    /// The first `count` scalars of `text`, moved back to the start of a grapheme when one is near (a flag, a
    /// family emoji or a letter with its accents stay whole; a grapheme of thousands of marks is split).
    static func head(_ text: String, _ count: Int) -> String {
        let u = text.unicodeScalars
        guard let cut = u.index(u.startIndex, offsetBy: max(0, count), limitedBy: u.endIndex) else { return text }
        // One walk over the graphemes before `cut` (asking whether an index is a grapheme boundary walks back to the
        // start of its grapheme each time, which is slow inside one of thousands of marks).
        var last = text.startIndex
        var next = text.startIndex
        while next < cut {
            last = next
            next = text.index(after: next)
        }
        let end = next == cut || u.distance(from: last, to: cut) > 32 ? cut : last
        return String(u[..<end])
    }
}
