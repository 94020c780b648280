import BridgeCore
import Foundation

/// Reads the word catalogues, `Templates/<locale>/words.yaml` for every locale, into `Words` at start: a file that
/// is missing, a line that does not read, a duplicate, a missing or unknown id or a broken placeholder is an error.
/// The file is the YAML subset a translator needs: `id: "text"` a line, `#` comments, double-quoted text with
/// `\"`, `\\` and `\n` escapes. Read through `TemplateLoader`, like every file of the Templates folder.
public enum WordCatalogue {
    /// The file name inside each locale's folder.
    public static let fileName = "words.yaml"

    /// Both locales' catalogues from `directory` (the Templates folder), checked.
    public static func load(directory: String) throws -> Words {
        var entries: [BridgeConfiguration.Locale: [String: String]] = [:]
        let loader = TemplateLoader(root: directory)
        for locale in BridgeConfiguration.Locale.allCases {
            let relative = "\(locale.rawValue)/\(fileName)"
            // "missing template ...", as for any file of the folder (the CLI's tests read that wording).
            entries[locale] = try parse(try loader.text(relative), file: loader.path(relative))
        }
        do {
            return try Words(entries)
        } catch {
            throw TemplateError(message: "word catalogues in \(directory):\n\(error.description)")
        }
    }

    /// The `id: "text"` lines of one file; an error names the file and the line.
    public static func parse(_ text: String, file: String = "words.yaml") throws -> [String: String] {
        var out: [String: String] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.hasSuffix("\r") ? raw.dropLast() : raw
            let trimmed = line.drop(while: { $0 == " " })
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            func fail(_ why: String) -> TemplateError { TemplateError(message: "\(file):\(n + 1): \(why)") }
            guard let colon = line.range(of: ": ") else { throw fail("expected id: \"text\"") }
            let key = String(line[..<colon.lowerBound])
            let value = line[colon.upperBound...].trimmingCharacters(in: .whitespaces)
            guard !key.isEmpty, key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == ".") })
            else { throw fail("bad id '\(key)'") }
            guard value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\""),
                let decoded = try? JSONDecoder().decode(String.self, from: Data(value.utf8))
            else { throw fail("the text of \(key) must be one double-quoted string") }
            guard out[key] == nil else { throw fail("\(key) appears twice") }
            out[key] = decoded
        }
        return out
    }
}
