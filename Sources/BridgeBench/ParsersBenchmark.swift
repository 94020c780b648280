import BridgeAlerts
import BridgeChat
import BridgeCore
import Crypto
import Foundation
import Hummingbird

/// Each hand-written replacement of library code against the library call it replaces, on realistic inputs,
/// in the same process and run: ns/op of both (best of 3 interleaved runs after a warm-up that also sizes N
/// for about `--ms` milliseconds per run) and the ratio library / hand-written. Both sides are checked once to
/// give the same result before anything is timed.
func parsersBenchmark() throws {
    let targetSeconds = Double(argument("--ms", 1000)) / 1000
    var rows: [ParsersRow] = []
    var notes: [String] = []
    try alertmanagerJSON(targetSeconds, &rows, &notes)
    try slashCommandForms(targetSeconds, &rows, &notes)
    try flatJSONAnswer(targetSeconds, &rows, &notes)
    try recordCache(targetSeconds, &rows, &notes)
    try sharedKey(targetSeconds, &rows, &notes)

    let hit = rows.first { $0.piece == "RecordCache hit" }!
    let miss = rows.first { $0.piece == "RecordCache miss" }!
    let saved = hit.libraryNs - hit.handNs
    let lost = miss.handNs - miss.libraryNs
    notes.append(
        String(
            format: "RecordCache: a hit saves %.0f ns, a miss costs %.0f ns more than a plain decode: break-even at a %.0f%% hit rate",
            saved,
            lost,
            100 * lost / (saved + lost)
        )
    )
    printParsersTable(rows, target: targetSeconds)
    for note in notes { print("  " + note) }
}

