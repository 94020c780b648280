/// The words of both bot languages, by id: read from `Templates/<locale>/words.yaml` at start (the core never
/// reads files) and checked there, so a missing id, an unknown id or a broken placeholder stops the start.
public struct Words: Sendable, Equatable {
    /// Locale -> id -> text with `{{name}}` placeholders.
    public private(set) var table: [BridgeConfiguration.Locale: [Word: String]]
    /// The same texts cut once at load into literal runs and placeholder names, so `text` only joins them (it
    /// runs for every reply and refusal; scanning for `{{` on each call cost the command path, see BENCHMARKS.md).
    private var pieces: [BridgeConfiguration.Locale: [Word: [Piece]]] = [:]

    /// One run of a word's text: literal, or a placeholder filled from the arguments.
    private enum Piece: Sendable, Equatable {
        case literal(String)
        case slot(String)
    }

    /// No words at all (a configuration read without its catalogue shows ids, never an empty text).
    public init() { table = [:] }

    public static func == (a: Words, b: Words) -> Bool { a.table == b.table }

    /// Checks each locale's entries (id -> text): every `Word` present, no unknown id, each text using exactly the
    /// placeholders its id expects, every `{{` closed.
    public init(_ entries: [BridgeConfiguration.Locale: [String: String]]) throws(WordsError) {
        var problems: [String] = []
        var table: [BridgeConfiguration.Locale: [Word: String]] = [:]
        for (locale, raw) in entries.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            var words: [Word: String] = [:]
            for (key, text) in raw.sorted(by: { $0.key < $1.key }) {
                guard let word = Word(rawValue: key) else {
                    problems.append("\(locale.rawValue): unknown id \(key)")
                    continue
                }
                switch Self.placeholders(in: text) {
                case .failure(let why):
                    problems.append("\(locale.rawValue): \(key): \(why)")
                case .success(let names) where names != word.placeholders:
                    let want = word.placeholders.sorted().map { "{{\($0)}}" }.joined(separator: " ")
                    let got = names.sorted().map { "{{\($0)}}" }.joined(separator: " ")
                    problems.append(
                        "\(locale.rawValue): \(key): placeholders \(got.isEmpty ? "(none)" : got), "
                            + "expected \(want.isEmpty ? "(none)" : want)"
                    )
                case .success:
                    words[word] = text
                }
            }
            for word in Word.allCases where raw[word.rawValue] == nil {
                problems.append("\(locale.rawValue): missing id \(word.rawValue)")
            }
            table[locale] = words
        }
        for locale in BridgeConfiguration.Locale.allCases where entries[locale] == nil {
            problems.append("\(locale.rawValue): no words")
        }
        guard problems.isEmpty else { throw WordsError(problems: problems) }
        self.table = table
        self.pieces = table.mapValues { $0.mapValues(Self.cut) }
    }

    /// `template` as its runs, in the order `text` fills them (the same scan `text` used to do per call).
    private static func cut(_ template: String) -> [Piece] {
        var out: [Piece] = []
        var rest = Substring(template)
        while let open = rest.range(of: "{{"), let close = rest[open.upperBound...].range(of: "}}") {
            if open.lowerBound > rest.startIndex { out.append(.literal(String(rest[..<open.lowerBound]))) }
            out.append(.slot(rest[open.upperBound..<close.lowerBound].trimmingSpaces()))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { out.append(.literal(String(rest))) }
        return out
    }

    /// True when no catalogue was handed over.
    public var isEmpty: Bool { table.isEmpty }

    /// The text of `word` in `locale` with its placeholders filled (a value is inserted as it is).
    public func text(_ word: Word, _ args: [String: String] = [:], in locale: BridgeConfiguration.Locale) -> String {
        guard let runs = pieces[locale]?[word] else { return word.rawValue }
        if runs.count == 1, case .literal(let whole) = runs[0] { return whole }
        var out = ""
        for run in runs {
            switch run {
            case .literal(let text): out += text
            case .slot(let name): out += args[name] ?? ""
            }
        }
        return out
    }

    /// The placeholder names a text uses, or why it is broken (an unclosed `{{`, an empty or odd name).
    public static func placeholders(in text: String) -> Result<Set<String>, PlaceholderProblem> {
        var names = Set<String>()
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                return .failure(PlaceholderProblem(description: "unclosed {{"))
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingSpaces()
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                return .failure(PlaceholderProblem(description: "bad placeholder {{\(name)}}"))
            }
            names.insert(name)
            rest = rest[close.upperBound...]
        }
        if rest.contains("}}") { return .failure(PlaceholderProblem(description: "}} without {{")) }
        return .success(names)
    }

    /// Why a text's placeholders do not parse.
    public struct PlaceholderProblem: Error, Sendable, CustomStringConvertible {
        public var description: String
    }
}

/// A word catalogue that is incomplete or broken: every problem, one a line.
public struct WordsError: Error, Sendable, CustomStringConvertible {
    public var problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String { problems.joined(separator: "\n") }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }
}

extension BridgeConfiguration {
    /// The text of `word` in the config's language.
    public func word(_ word: Word, _ args: [String: String] = [:]) -> String {
        words.text(word, args, in: locale)
    }
}
