import BridgeTestSupport
import BridgeChat
import BridgeCore
@testable import BridgeOperatingModel
import BridgeTesting
import Foundation
import Testing

/// Numbers, dates and durations from outside are range-checked before arithmetic: a one-line refusal or a clamp,
/// never a trap (the hostile review's `/oncall override` with year 30000000000000000 stopped `serve`).
@Suite struct OutsideInputTests {
    @Test func anAbsurdOverrideDateIsRefusedInOneLine() async throws {
        let env = try Fixtures.environment("Examples/bridge.en.yaml", clock: ManualClock(Fixtures.tokyo("2026-12-08 10:00")))
        for text in [
            "/oncall override ops-oncall @suzuki 30000000000000000-01-01 00:00 tomorrow 09:00 x",
            "/oncall override ops-oncall @suzuki today 09:00 9223372036854775807-12-31 00:00 x",
            "/oncall override ops-oncall @suzuki -5-01-01 00:00 tomorrow 09:00 x",
            "/oncall override ops-oncall @suzuki +2027-01-01 00:00 2027-01-02 09:00 x",
            "/oncall override ops-oncall @suzuki 10000-01-01 00:00 10000-01-02 09:00 x",
            "/oncall override ops-oncall @suzuki 1969-12-31 00:00 2027-01-02 09:00 x",
        ] {
            let outcome = await env.run(text, as: "takahashi")
            #expect(!outcome.ok, "\(text)")
            #expect(!outcome.reply.contains("\n"), "one line: \(outcome.reply)")
        }
        // A year or more, or far ahead: a schedule change, not an override.
        let long = await env.run("/oncall override ops-oncall @yamamoto today 12:00 2028-12-09 13:00 x", as: "takahashi")
        #expect(!long.ok && long.reply.contains("at most a year"), "\(long.reply)")
        let far = await env.run("/oncall override ops-oncall @yamamoto 2030-01-01 12:00 2030-01-02 13:00 x", as: "takahashi")
        #expect(!far.ok, "\(far.reply)")
        #expect((await env.run("/oncall override ops-oncall @yamamoto today 12:00 today 13:00", as: "takahashi")).ok)
    }

    @Test func datesAndDurationsHaveRanges() {
        #expect(CalendarDay("30000000000000000-01-01") == nil)
        #expect(CalendarDay("9999-12-31") != nil)
        #expect(CalendarDay("1970-01-01") != nil)
        #expect(CalendarDay("1969-12-31") == nil)
        #expect(CalendarDay("+2026-01-01") == nil)
        #expect(CalendarDay("2026-02-30") == nil)
        #expect(BridgeDuration(parsing: "600w") == nil, "over 10 years")
        #expect(BridgeDuration(parsing: "1000000w") == nil)
        #expect(BridgeDuration(parsing: "3650d")?.seconds == 3650 * 86_400)
        // Formatting an instant far outside the years does not trap.
        _ = LocalTime(TimeZone(identifier: "Asia/Tokyo")!).display(Date(timeIntervalSince1970: 1e300))
        _ = LocalTime(TimeZone(identifier: "Asia/Tokyo")!).display(Date(timeIntervalSince1970: -1e300))
        _ = BridgeDuration.between(Date(timeIntervalSince1970: -1e300), Date(timeIntervalSince1970: 1e300))
    }

    @Test func aServersWaitIsClampedToZeroToOneHour() {
        func response(_ header: String?, body: String = "") -> HTTPResponse {
            HTTPResponse(status: 429, headers: header.map { [("Retry-After", $0)] } ?? [], body: Data(body.utf8))
        }
        #expect(response("-1").retryAfter == 0)
        #expect(response("1e300").retryAfter == 3600)
        #expect(response("nan").retryAfter == nil)
        #expect(response("12").retryAfter == 12)
        #expect(MatrixAPI.retryAfter(response(nil, body: #"{"retry_after_ms": -1000}"#)) == 0)
        #expect(MatrixAPI.retryAfter(response(nil, body: #"{"retry_after_ms": 1e30}"#)) == 3600)
        if case .retry(let after, _) = SlackSocketMode.opened(status: 429, headers: [("Retry-After", "-1")], body: Data()) {
            #expect(after == 0)
        } else {
            Issue.record("a 429 is a retry")
        }
        #expect(Bounds.nanoseconds(-1) == 0)
        #expect(Bounds.nanoseconds(.infinity) == 86_400 * 1_000_000_000)
        #expect(Bounds.nanoseconds(.nan) == 0)
    }

    /// Read verbs are limited per person: a loop of `timeline` gets a refusal; writes are never limited.
    @Test func readVerbsAreRateLimitedPerPerson() async throws {
        let clock = ManualClock()
        let env = try Fixtures.environment(clock: clock)
        #expect((await env.run("/incident declare db-outage sev2 遅い")).ok)
        var refused = 0
        for _ in 0..<30 where !(await env.run("/incident list", as: "suzuki")).ok { refused += 1 }
        #expect(refused == 10, "a burst of 20, then refusals")
        #expect((await env.run("/incident list", as: "takahashi")).ok, "another person is not held back")
        #expect((await env.run("/incident note 調査中", as: "suzuki")).ok, "writes are never limited")
        clock.advance(by: 10)
        #expect((await env.run("/incident list", as: "suzuki")).ok, "a token every 2 s")
    }

    /// The review of outside numbers, second pass: a sequence number near Int.max, NaN percentages, delivery keys
    /// that a platform left out.
    @Test func reviewFindingsOfTheSecondPass() throws {
        let event = try MattermostSocket.parse(#"{"event": "typing", "seq": 9223372036854775807, "data": {}}"#)
        if case .other(_, let seq?) = event { #expect(seq < Int.max) } else { Issue.record("\(event)") }
        #expect(KPIReport.pct(.nan) == "-")
        #expect(KPIReport.pct(.infinity) == "-")
        #expect(KPIReport.pct(0.955) == "95.5%")
        #expect(DeliveryError.retryable("x", retryAfter: .nan).description == "x")
        #expect(DeliveryError.retryable("x", retryAfter: 1e300).description == "x (retry after 3600s)")
        // Without the platform's ids the key is the body's hash: two different clicks never share a key.
        let a = InboundKey.make("slack:action:", ids: [nil, "1.2"], body: Data("a".utf8))
        let b = InboundKey.make("slack:action:", ids: [nil, "1.2"], body: Data("b".utf8))
        #expect(a != b && a.hasPrefix("slack:action:body:"))
        #expect(InboundKey.make("slack:action:", ids: ["T", "1.2"], body: Data()) == "slack:action:T:1.2")
        #expect(InboundKey.make("teams:c:", ids: [""], body: Data("x".utf8)).hasPrefix("teams:c:body:"))
    }
}
