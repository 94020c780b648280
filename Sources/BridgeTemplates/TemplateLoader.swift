import Foundation
import Mustache

/// A template file that is missing or does not parse.
public struct TemplateError: Error, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Reads the Templates folder: bot posts and replies (`<locale>/`, `<locale>/replies/`), the HTML pages (`html/`) and
/// any other file kept there (the word catalogues). The one place that says where the folder is and what a missing
/// or broken file reads as; everything is read at start, so a broken template stops the start, not a post.
public struct TemplateLoader: Sendable {
    /// The Templates folder.
    public let root: String

    public init(root: String) { self.root = root }

    /// Where the folder is looked for when none is given: `$INCIDENT_BRIDGE_TEMPLATES`, `./Templates`, beside the
    /// config file's folder, and `/usr/share/incident-bridge/Templates`; the first holding an `en` folder.
    public static func defaultRoot(configPath: String?) -> String {
        var candidates: [String] = []
        if let env = ProcessInfo.processInfo.environment["INCIDENT_BRIDGE_TEMPLATES"] { candidates.append(env) }
        candidates.append("Templates")
        if let c = configPath {
            // Through an absolute URL: Foundation's `NSString.deletingLastPathComponent` traps on "." on Linux, which
            // is what a config named `bridge.yaml` in the current directory gave (serve/chat crashed with SIGILL).
            let folder = URL(fileURLWithPath: c).standardizedFileURL.deletingLastPathComponent()
            candidates.append(folder.appendingPathComponent("Templates").path)
            candidates.append(folder.deletingLastPathComponent().appendingPathComponent("Templates").path)
        }
        candidates.append("/usr/share/incident-bridge/Templates")
        return candidates.first {
            FileManager.default.fileExists(atPath: ($0 as NSString).appendingPathComponent("en"))
        }
            ?? "Templates"
    }

    /// The full path of `relative` (such as `en/declare.mustache`).
    public func path(_ relative: String) -> String { (root as NSString).appendingPathComponent(relative) }

    /// The UTF-8 text of `relative`; `what` names the file in the error (`template`, `word catalogue`).
    public func text(_ relative: String, what: String = "template") throws(TemplateError) -> String {
        let file = path(relative)
        guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8)
        else {
            throw TemplateError(message: "missing \(what) \(file) (set INCIDENT_BRIDGE_TEMPLATES to the Templates folder)")
        }
        return text
    }

    /// The Mustache templates `<folder>/<name>.mustache`, each read with `pragma` before it (the content type), by
    /// `prefix + name` (a partial names another template by that key).
    public func mustache(
        _ folder: String,
        names: some Sequence<String>,
        pragma: String,
        prefix: String = ""
    ) throws(TemplateError) -> [String: MustacheTemplate] {
        var out: [String: MustacheTemplate] = [:]
        for name in names {
            let relative = (folder as NSString).appendingPathComponent("\(name).mustache")
            let text = try text(relative)
            do {
                out[prefix + name] = try MustacheTemplate(string: pragma + text)
            } catch {
                throw TemplateError(message: "template \(path(relative)) does not parse: \(error)")
            }
        }
        return out
    }
}
