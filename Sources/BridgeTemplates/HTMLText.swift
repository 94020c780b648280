import BridgeCore
import Foundation
import Mustache

/// HTML escaping for the `/incidents` pages, on UTF-8 bytes. swift-mustache's own escaping looks each character
/// (grapheme) up, so `<` after U+0600 (a "prepend" character) or before a combining mark was written as it is and a
/// note or an alert summary could draw markup over the page.
public enum HTMLText {
    /// `&`, `<`, `>`, `"` and `'` as entities, wherever they stand in a grapheme.
    public static let escape = ByteEscaper(["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;"])

    /// The name the content type is registered under with swift-mustache.
    static let contentTypeName = "INCIDENT_BRIDGE_HTML"

    /// The pragma an HTML template starts with so that every `{{value}}` is escaped by `escape` (registers the
    /// content type with swift-mustache the first time it is read).
    public static let pragma: String = {
        MustacheContentTypes.register(ByteHTMLContentType(), named: contentTypeName)
        return "{{% CONTENT_TYPE: \(contentTypeName)}}"
    }()
}

/// swift-mustache content type that escapes with `HTMLText.escape`.
struct ByteHTMLContentType: MustacheContentType {
    func escapeText(_ text: String) -> String { HTMLText.escape(text) }
}
