import BridgeCore
import BridgeOperatingModel
import BridgeStore
import Foundation
import HTTPTypes
import Hummingbird

/// `GET /oncall/<schedule>.ics`: a schedule's shifts (a week back, eight weeks ahead) as an iCalendar feed for
/// Outlook or Google Calendar, behind the read token like the incident pages.
struct OnCallRoutes: Sendable {
    let config: BridgeConfiguration
    let store: any BridgeStorage
    let clock: any BridgeClock
    let pages: IncidentPages

    func register(on router: Router<BasicRequestContext>) {
        router.get("/oncall/:file") { request, context -> Response in
            guard self.pages.authorized(request) else {
                self.pages.metrics?.rejected(route: "/oncall", reason: "unauthorized")
                var r = Response(status: .unauthorized)
                r.headers[.wwwAuthenticate] = "Bearer realm=\"incident-bridge\""
                return r
            }
            let file = context.parameters.get("file") ?? ""
            guard file.hasSuffix(".ics"), let schedule = self.config.schedules[String(file.dropLast(4))] else {
                return Response(status: .notFound)
            }
            let now = self.clock.now()
            let overrides = try await self.store.read { try $0.onCallOverrides(endingAfter: now.addingTimeInterval(-7 * 86_400)) }
            let calendar = OnCallCalendar(config: self.config, overrides: overrides)
            let shifts = calendar.shifts([schedule], from: now.addingTimeInterval(-7 * 86_400), until: now.addingTimeInterval(56 * 86_400))
            var headers = HTTPFields()
            headers[.contentType] = "text/calendar; charset=utf-8"
            return Response(
                status: .ok,
                headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: calendar.ics(shifts, calendarName: schedule.name)))
            )
        }
    }
}
