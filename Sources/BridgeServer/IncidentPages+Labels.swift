import BridgeCore
import Foundation

/// The words of the incident pages in the config's language: states, clocks, results and the template's labels.
extension IncidentPages {
    func stateLabel(_ s: IncidentState) -> String {
        guard ja else { return s.rawValue }
        switch s {
        case .declared: return "宣言"
        case .acknowledged: return "了解"
        case .mitigated: return "暫定復旧"
        case .resolved: return "復旧"
        case .closed: return "クローズ"
        }
    }

    func clockLabel(_ c: SLAClock) -> String {
        switch c {
        case .firstResponse: return ja ? "初動" : "first response"
        case .restore: return ja ? "復旧" : "restore"
        }
    }

    func statusLabel(_ s: ClockResult.Status) -> String {
        switch s {
        case .running: return ja ? "計測中" : "running"
        case .met: return ja ? "達成" : "met"
        case .missed: return ja ? "未達" : "missed"
        }
    }

    /// Page labels in the config's language.
    static func labels(_ locale: BridgeConfiguration.Locale) -> Labels {
        Labels(
            locale == .ja
                ? [
                    "list_title": "インシデント一覧", "open": "対応中", "recent": "最近のインシデント（14日以内）",
                    "no_open": "対応中のインシデントはありません", "no_recent": "最近のインシデントはありません",
                    "id": "ID", "severity": "重大度", "state": "状態", "title": "件名", "responsible": "R（実行責任者）",
                    "accountable": "A（説明責任者）", "consulted": "C（協議先）", "informed": "I（報告先）",
                    "sla_left": "SLA残り", "declared": "宣言", "acknowledged": "了解", "mitigated": "暫定復旧",
                    "resolved": "復旧", "closed": "クローズ", "resolution": "復旧内容", "maintenance": "メンテナンス時間帯",
                    "bridge": "ブリッジ", "event_type": "イベント種別", "summary": "概要", "people": "体制",
                    "clocks": "SLAクロック", "clock": "クロック", "target": "目標", "elapsed": "実績", "result": "判定",
                    "deadline": "期限", "timeline": "タイムライン", "time": "時刻", "actor": "実施者", "kind": "種別",
                    "text": "内容", "no_timeline": "記録はまだありません", "show_all": "すべて表示", "runbooks": "手順書", "back": "一覧へ戻る",
                    "generated": "表示時刻", "times_in": "時刻はすべて",
                ]
                : [
                    "list_title": "Incidents", "open": "Open", "recent": "Recent (last 14 days)",
                    "no_open": "No open incidents", "no_recent": "No recent incidents",
                    "id": "ID", "severity": "Severity", "state": "State", "title": "Title",
                    "responsible": "R (responsible)",
                    "accountable": "A (accountable)", "consulted": "C (consulted)", "informed": "I (informed)",
                    "sla_left": "SLA time left", "declared": "Declared", "acknowledged": "Acknowledged",
                    "mitigated": "Mitigated", "resolved": "Resolved", "closed": "Closed", "resolution": "Resolution",
                    "maintenance": "Maintenance window", "bridge": "Bridge", "event_type": "Event type",
                    "summary": "Summary",
                    "people": "Who", "clocks": "SLA clocks", "clock": "Clock", "target": "Target", "elapsed": "Actual",
                    "result": "Result", "deadline": "Deadline", "timeline": "Timeline", "time": "Time",
                    "actor": "Actor",
                    "kind": "Kind", "text": "Text", "no_timeline": "Nothing recorded yet", "show_all": "Show all", "runbooks": "Runbooks",
                    "back": "All incidents", "generated": "As of", "times_in": "All times in",
                ]
        )
    }

    /// A label table: a missing key shows as the key itself, never as an empty cell.
    struct Labels: Sendable {
        let table: [String: String]
        init(_ table: [String: String]) { self.table = table }
        subscript(_ key: String) -> String { table[key] ?? key }
    }
}
