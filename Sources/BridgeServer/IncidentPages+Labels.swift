import BridgeCore
import Foundation

/// The words of the incident pages in the config's language (`Templates/<locale>/words.yaml`): states, clocks,
/// results and the template's labels.
extension IncidentPages {
    func stateLabel(_ s: IncidentState) -> String {
        switch s {
        case .declared: config.word(.stateDeclared)
        case .acknowledged: config.word(.stateAcknowledged)
        case .mitigated: config.word(.stateMitigated)
        case .resolved: config.word(.stateResolved)
        case .closed: config.word(.stateClosed)
        }
    }

    func clockLabel(_ c: SLAClock) -> String {
        config.word(c == .firstResponse ? .clockFirstResponse : .clockRestore)
    }

    func statusLabel(_ s: ClockResult.Status) -> String {
        switch s {
        case .running: config.word(.statusRunning)
        case .met: config.word(.statusMet)
        case .missed: config.word(.statusMissed)
        }
    }

    /// The template's `{{l.<key>}}` labels and the words they show.
    static let labelWords: [String: Word] = [
        "list_title": .pageListTitle, "open": .pageOpen, "recent": .pageRecent, "no_open": .pageNoOpen,
        "no_recent": .pageNoRecent, "id": .pageID, "severity": .pageSeverity, "state": .pageState,
        "title": .pageTitle, "responsible": .pageResponsible, "accountable": .pageAccountable,
        "consulted": .pageConsulted, "informed": .pageInformed, "sla_left": .pageSLALeft, "declared": .pageDeclared,
        "acknowledged": .pageAcknowledged, "mitigated": .pageMitigated, "resolved": .pageResolved,
        "closed": .pageClosed, "resolution": .pageResolution, "maintenance": .pageMaintenance, "bridge": .pageBridge,
        "event_type": .pageEventType, "summary": .pageSummary, "people": .pagePeople, "clocks": .pageClocks,
        "clock": .pageClock, "target": .pageTarget, "elapsed": .pageElapsed, "result": .pageResult,
        "deadline": .pageDeadline, "timeline": .pageTimeline, "time": .pageTime, "actor": .pageActor,
        "kind": .pageKind, "text": .pageText, "no_timeline": .pageNoTimeline, "show_all": .pageShowAll,
        "runbooks": .pageRunbooks, "back": .pageBack, "generated": .pageGenerated, "times_in": .pageTimesIn,
    ]

    /// Page labels in the config's language.
    static func labels(_ config: BridgeConfiguration) -> Labels {
        Labels(labelWords.mapValues { config.word($0) })
    }

    /// A label table: a missing key shows as the key itself, never as an empty cell.
    struct Labels: Sendable {
        let table: [String: String]
        init(_ table: [String: String]) { self.table = table }
        subscript(_ key: String) -> String { table[key] ?? key }
    }
}
