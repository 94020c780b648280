import BridgeCore
import Foundation

/// The reports behind the `timeline` and `kpi` chat verbs.
public struct OperatingModelReports: IncidentReports {
    public var config: BridgeConfiguration
    public init(config: BridgeConfiguration) { self.config = config }

    public func timeline(
        _ incident: Incident,
        _ entries: [TimelineEntry],
        format: ExportFormat,
        now: Date?,
        escape: @escaping (String) -> String
    ) -> String {
        TimelineExporter(config: config).export(incident, entries, format: format, now: now, escape: escape)
    }

    public func kpi(incidents: [IncidentTimes], changes: [ChangeRecord], now: Date, window: BridgeDuration) -> String {
        KPIReport.compute(config: config, incidents: incidents, changes: changes, now: now, window: window)
            .text(config.words, locale: config.locale)
    }
}
