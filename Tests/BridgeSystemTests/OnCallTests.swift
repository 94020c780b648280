import BridgeTestSupport
import BridgeChat
import BridgeCore
import BridgeOperatingModel
import BridgeServer
import BridgeTesting
import BridgeTransport
import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// On-call schedules: the Japanese calendar against the `jpholiday` package, layers at the moments of the
/// domain brief, pages through the serve wiring (Opsgenie responders on a sink), overrides from chat, the
/// iCalendar feed against Python's `icalendar`.
@Suite(.serialized) struct OnCallTests {
    static let python = Fixtures.path(".peers-venv/bin/python")

    /// A moment in Tokyo.
    static func tokyo(_ text: String) -> Date { Fixtures.tokyo(text) }

    /// Every Japanese holiday 1970-2050 against the `holidays` package (python-holidays, the maintained
    /// table), and 1986-2050 against `jpholiday` too. jpholiday differs before 1986: it applies the substitute
    /// rule before it existed (1973-02-12; the law starts 1973-04-12) and makes every May 4th a holiday back to
    /// 1970 (the citizens' holiday exists from 1985-12-27); python-holidays and the Cabinet Office agree with us.
    @Test func everyJapaneseHolidayFrom1970To2050AgreesWithTheMaintainedTables() throws {
        let script = """
            import jpholiday, holidays, datetime, sys
            jp = holidays.JP(years=range(1970, 2051))
            d = datetime.date(1970, 1, 1)
            while d <= datetime.date(2050, 12, 31):
                if d in jp: print("h", d.isoformat())
                if jpholiday.is_holiday(d): print("j", d.isoformat())
                d += datetime.timedelta(days=1)
            """
        let out = try Peers.run(Self.python, ["-c", script])
        #expect(out.status == 0, "\(out.stderr)")
        let lines = out.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let table = Set(lines.filter { $0.first == "h" }.map { $0[1] })
        let jpholiday = Set(lines.filter { $0.first == "j" }.map { $0[1] })
        let ours = Set((1970...2050).flatMap { JapaneseHolidays.holidays($0).keys.map(\.description) })
        #expect(table.count > 1200)
        #expect(ours.subtracting(table).sorted() == [], "holidays python-holidays does not have")
        #expect(table.subtracting(ours).sorted() == [], "holidays we miss")
        #expect(ours.filter { $0 >= "1986" }.sorted() == jpholiday.filter { $0 >= "1986" }.sorted())
        #expect(jpholiday.subtracting(ours).sorted().prefix(2) == ["1970-05-04", "1971-05-04"])
        // The kinds the law adds on top of the named days.
        #expect(JapaneseHolidays.holidays(2027)[CalendarDay(2027, 3, 22)] == "振替休日")
        #expect(JapaneseHolidays.holidays(2026)[CalendarDay(2026, 9, 22)] == "国民の休日")
    }

    @Test func theLayersOfTheBriefAtItsMoments() throws {
        let config = try Fixtures.config("Examples/bridge.en.yaml")
        let ops = try #require(config.schedules["ops-oncall"])
        let r = OnCallResolver(config: config)
        #expect(r.onCall(ops, at: Self.tokyo("2026-12-05 03:00"))?.person == "takahashi")  // Saturday night
        #expect(r.onCall(ops, at: Self.tokyo("2026-12-08 10:00"))?.person == "suzuki")  // Tuesday daytime
        #expect(r.onCall(ops, at: Self.tokyo("2026-12-08 18:00"))?.person == "watanabe")  // week 2 of the rotation
        #expect(r.onCall(ops, at: Self.tokyo("2026-12-29 10:00"))?.person != "suzuki")  // a company day off
        #expect(r.onCall(ops, at: Self.tokyo("2027-03-22 10:00"))?.person != "suzuki")  // substitute holiday (Mon)
        #expect(r.onCall(ops, at: Self.tokyo("2027-03-23 10:00"))?.person == "suzuki")
        // A window across midnight belongs to the day it starts: Friday 22:00 - Saturday 06:00.
        var night = config
        night.schedules["n"] = .init(
            id: "n",
            name: "n",
            timeZone: TimeZone(identifier: "Asia/Tokyo")!,
            layers: [
                .init(
                    name: "fri-night",
                    members: ["sato"],
                    every: .init(seconds: 86_400),
                    start: Self.tokyo("2026-11-30 09:00"),
                    when: .init(days: [5], from: 22 * 60, to: 6 * 60)
                )
            ]
        )
        let n = try #require(night.schedules["n"])
        let rn = OnCallResolver(config: night)
        #expect(rn.onCall(n, at: Self.tokyo("2026-12-05 05:59"))?.person == "sato")
        #expect(rn.onCall(n, at: Self.tokyo("2026-12-05 06:00")) == nil)
        #expect(rn.onCall(n, at: Self.tokyo("2026-12-04 21:59")) == nil)
        #expect(rn.onCall(n, at: Self.tokyo("2026-12-05 22:30")) == nil)  // Saturday night is not Friday's

        // A layer whose start is ahead covers nothing before it (check reports the hours until then).
        var later = config
        later.schedules["ops-oncall"]?.layers = [
            .init(name: "from January", members: ["takahashi"], every: .init(seconds: 604_800), start: Self.tokyo("2027-01-04 09:00"))
        ]
        let l = try #require(later.schedules["ops-oncall"])
        #expect(OnCallResolver(config: later).onCall(l, at: Self.tokyo("2026-12-02 10:00")) == nil)
        #expect(OnCallResolver(config: later).onCall(l, at: Self.tokyo("2027-01-04 09:00"))?.person == "takahashi")
        var check = OperatingModelCheck(config: later, currentDirectory: Fixtures.root)
        check.now = Self.tokyo("2026-12-01 00:00")
        let gaps = check.run().errors.filter { $0.path == "schedules.ops-oncall" }.map(\.message)
        #expect(gaps.first?.hasPrefix("nobody on call Tue 2026-12-01 00:00 - Mon 2027-01-04 09:00") == true, "\(gaps)")
    }

    /// A hand-off at 02:30 in New York does not exist on 2027-03-14 (clocks jump 02:00 -> 03:00): who is on
    /// call at each moment and the shift list agree all around it.
    @Test func aHandOffAtANonexistentLocalTimeAgreesEverywhere() throws {
        var config = try Fixtures.config("Examples/bridge.en.yaml")
        let tz = TimeZone(identifier: "America/New_York")!
        config.schedules = [
            "n": .init(id: "n", name: "n", timeZone: tz, layers: [
                .init(name: "daily", members: ["sato", "suzuki"], every: .init(seconds: 86_400),
                      start: IncidentService.onCallTime("2027-03-01 02:30", tz, now: Date())!)
            ])
        ]
        let s = try #require(config.schedules["n"])
        let r = OnCallResolver(config: config)
        let from = IncidentService.onCallTime("2027-03-13 00:00", tz, now: Date())!
        let shifts = r.shifts(s, from: from, until: from.addingTimeInterval(3 * 86_400))
        for minute in stride(from: 0, to: 3 * 1440, by: 10) {
            let t = from.addingTimeInterval(Double(minute * 60))
            let listed = shifts.first { $0.from <= t && t < $0.until }?.person
            #expect(r.onCall(s, at: t)?.person == listed, "\(t)")
        }
    }

    /// Turns that divide a day (12 h) hand off at the same local times across a daylight saving change.
    @Test func twelveHourTurnsKeepLocalTimeAcrossDST() throws {
        var config = try Fixtures.config("Examples/bridge.en.yaml")
        let tz = TimeZone(identifier: "Europe/Berlin")!
        config.schedules = [
            "h": .init(id: "h", name: "h", timeZone: tz, layers: [
                .init(name: "12h", members: ["sato", "suzuki"], every: .init(seconds: 43_200),
                      start: IncidentService.onCallTime("2027-03-26 09:00", tz, now: Date())!)
            ])
        ]
        let s = try #require(config.schedules["h"])
        let shifts = OnCallResolver(config: config).shifts(
            s,
            from: IncidentService.onCallTime("2027-03-26 09:00", tz, now: Date())!,
            until: IncidentService.onCallTime("2027-04-02 09:00", tz, now: Date())!
        )
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = tz
        #expect(shifts.count == 14)
        #expect(shifts.allSatisfy { [9, 21].contains(cal.component(.hour, from: $0.from)) }, "\(shifts.map(\.from))")
    }

    @Test func overridesAreMadeAndCancelledByTheSchedulesMembers() async throws {
        let env = try Fixtures.environment("Examples/bridge.en.yaml", clock: ManualClock(Self.tokyo("2026-12-08 10:00")))
        // Security is not on the ops schedule: no override; nobody outside the schedule is put on call.
        let outsider = await env.run("/oncall override ops-oncall @suzuki today 12:00 today 13:00", as: "nakamura")
        #expect(outsider.refused, "\(outsider.reply)")
        let notMember = await env.run("/oncall override ops-oncall @sato today 12:00 today 13:00", as: "suzuki")
        #expect(!notMember.ok && notMember.reply.contains("not in Ops on-call"), "\(notMember.reply)")
        #expect((await env.run("/oncall override ops-oncall @yamamoto today 12:00 today 13:00", as: "takahashi")).ok)
        #expect((await env.run("/oncall cancel 1", as: "nakamura")).refused)
        #expect((await env.run("/oncall cancel 1", as: "yamamoto")).ok)  // the person it covers
        let cancelledBy = try await env.sqliteStore.writer.read {
            try String.fetchOne($0, sql: "SELECT cancelled_by FROM oncall_overrides WHERE id = 1")
        }
        #expect(cancelledBy == "yamamoto")
        #expect((await env.run("/oncall cloud_ops", as: "suzuki")).reply.contains("has no schedule"))
    }


    /// Daily hand-offs at 09:00 local stay at 09:00 across daylight saving changes; the turns are 23 h and 25 h.
    @Test(arguments: ["Europe/Berlin", "America/New_York"]) func dailyHandOffsKeepLocalTimeAcrossDST(zone: String) throws {
        var config = try Fixtures.config("Examples/bridge.en.yaml")
        let tz = TimeZone(identifier: zone)!
        config.schedules = [
            "d": .init(
                id: "d",
                name: "d",
                timeZone: tz,
                layers: [
                    .init(
                        name: "daily",
                        members: ["sato", "suzuki"],
                        every: .init(seconds: 86_400),
                        start: IncidentService.onCallTime("2027-01-04 09:00", tz, now: Date())!
                    )
                ]
            )
        ]
        let s = try #require(config.schedules["d"])
        let from = IncidentService.onCallTime("2027-03-01 00:00", tz, now: Date())!
        let until = IncidentService.onCallTime("2027-11-30 00:00", tz, now: Date())!
        let shifts = OnCallResolver(config: config).shifts(s, from: from, until: until).dropFirst().dropLast()
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = tz
        #expect(shifts.allSatisfy { cal.component(.hour, from: $0.from) == 9 && cal.component(.minute, from: $0.from) == 0 })
        let lengths = Set(shifts.map { Int($0.until.timeIntervalSince($0.from)) / 3600 })
        #expect(lengths == [23, 24, 25], "\(lengths)")
        #expect(zip(shifts, shifts.dropFirst()).allSatisfy { $0.person != $1.person })
    }

    struct Rig: @unchecked Sendable {
        let parts: BridgeServer.Parts
        let sink: Sink
        let clock: ManualClock
        let tasks: [Task<Void, Error>]

        init(at start: Date) throws {
            sink = try Sink(status: 202, body: #"{"result":"Request will be processed","requestId":"r"}"#)
            clock = ManualClock(start)
            var config = try Fixtures.config("Examples/bridge.en.yaml")
            config.chat.platforms = [:]
            config.paging.channels = ["opsgenie": ["api_base": sink.url]]
            let parts = try BridgeServer.parts(
                config: config,
                dbPath: Fixtures.tempDir() + "/o.sqlite",
                clock: clock,
                settings: try PlatformSettings(config: config, environment: Fixtures.secrets(["OPSGENIE_API_KEY": "og"])),
                transport: CurlTransport(connectTimeout: 1, timeout: 3),
                templates: Fixtures.path("Templates"),
                logger: Logger(label: "oncall")
            )
            self.parts = parts
            tasks = [Task { try await parts.scheduler.run() }, Task { try await parts.dispatcher.run() }]
        }

        func stop() {
            tasks.forEach { $0.cancel() }
            sink.stop()
        }

        func run(_ text: String, as user: String = "suzuki") async -> CommandOutcome {
            await parts.environment.service.handle(ChatCommand(platform: "console", channel: "console", user: user, text: text))
        }

        /// The responders of each Opsgenie alert created, by alias.
        func responders() -> [String: [String]] {
            var out: [String: [String]] = [:]
            for r in sink.requests where r["path"] as? String == "/v2/alerts" {
                guard let body = try? JSONSerialization.jsonObject(with: Data((r["body"] as? String ?? "").utf8)) as? [String: Any],
                    let alias = body["alias"] as? String
                else { continue }
                out[alias] = (body["responders"] as? [[String: Any]] ?? []).compactMap { $0["username"] as? String }.sorted()
            }
            return out
        }

        func waitFor(_ alias: String) async throws -> [String]? {
            for _ in 0..<200 {
                if let r = responders()[alias] { return r }
                try await Task.sleep(nanoseconds: 25_000_000)
            }
            return nil
        }
    }

    @Test func aSev1PagesOnlyWhoIsOnCallThenAnOverrideThenTheStepsPersonAtFiringTime() async throws {
        // Saturday 03:00: the night/holiday person only.
        let rig = try Rig(at: Self.tokyo("2026-12-05 03:00"))
        defer { rig.stop() }
        let sat = await rig.run("declare db-outage sev1 Orders DB down")
        #expect(try await rig.waitFor(try #require(sat.incidentID).rawValue) == ["takahashi@example.com"])
        _ = await rig.run("resolve \(sat.incidentID!) ok")

        // Tuesday 10:00: the day lead only.
        rig.clock.advance(by: Self.tokyo("2026-12-08 10:00").timeIntervalSince(rig.clock.now()))
        let tue = await rig.run("declare db-outage sev1 Orders DB down again")
        #expect(try await rig.waitFor(try #require(tue.incidentID).rawValue) == ["suzuki@example.com"])
        _ = await rig.run("resolve \(tue.incidentID!) ok")

        // An override from chat changes who is paged; the list shows it; cancelled, the layer is back.
        let o = await rig.run("/oncall override ops-oncall @yamamoto today 09:00 today 20:00 dentist", as: "suzuki")
        #expect(o.ok && o.reply.contains("Override #1"), "\(o.reply)")
        #expect((await rig.run("/oncall ops_lead")).reply.contains("Yumi Yamamoto (override)"))
        #expect((await rig.run("/oncall overrides")).reply.contains("#1 Ops on-call: Yumi Yamamoto"))
        let over = await rig.run("declare db-outage sev1 third")
        #expect(try await rig.waitFor(try #require(over.incidentID).rawValue) == ["yamamoto@msp.example.net"])
        _ = await rig.run("resolve \(over.incidentID!) ok")
        #expect((await rig.run("/oncall override ops-oncall @yamamoto today 09:00 today 20:00", as: "U0NOBODY")).refused)
        #expect((await rig.run("/oncall cancel 1")).ok)
        #expect((await rig.run("/oncall ops-oncall")).reply.hasPrefix("Ops on-call: Misaki Suzuki (Weekday daytime)"))

    }

    /// Monday 2027-03-22 is a substitute holiday (the equinox fell on Sunday): at 10:00 the day lead's layer
    /// does not apply and the night/holiday rotation is paged.
    @Test func aSubstituteHolidayPagesTheHolidayLayer() async throws {
        let rig = try Rig(at: Self.tokyo("2027-03-22 10:00"))
        defer { rig.stop() }
        let out = await rig.run("declare db-outage sev1 holiday outage")
        #expect(try await rig.waitFor(try #require(out.incidentID).rawValue) == ["watanabe@msp.example.net"])
        rig.clock.advance(by: 86_400)  // Tuesday: a working day again
        let tue = await rig.run("declare db-outage sev1 working day outage")
        #expect(try await rig.waitFor(try #require(tue.incidentID).rawValue) == ["suzuki@example.com"])
    }

    /// Declared Monday 17:50, when the vendor PM is on site (Tanaka); step 2 fires at 18:05, when the AMS desk
    /// rotation has Ito: Ito is paged, the person on call when the step fires, not at declaration.
    @Test func anEscalationStepPagesWhoIsOnCallWhenItFires() async throws {
        let rig = try Rig(at: Self.tokyo("2026-12-07 17:50"))
        defer { rig.stop() }
        let mon = await rig.run("declare db-outage sev1 escalates")
        let id = try #require(mon.incidentID).rawValue
        #expect(try await rig.waitFor(id) == ["suzuki@example.com"])
        let vendor = try #require(rig.parts.environment.config.schedules["dev-oncall"])
        #expect(OnCallResolver(config: rig.parts.environment.config).onCall(vendor, at: rig.clock.now())?.person == "tanaka")
        rig.clock.advance(by: 15 * 60 + 1)
        #expect(try await rig.waitFor("\(id).r1s2") == ["ito@vendor.example.co.jp"])
    }

    @Test func icsParsesWithICalendarAndEqualsTheJSONShifts() throws {
        let dir = Fixtures.tempDir()
        let args = ["oncall", "ops-oncall", "--config", "Examples/bridge.yaml", "--db", dir + "/none.sqlite",
                    "--at", "2026-12-01T00:00", "--days", "14"]
        let ics = try CLI.run(args + ["--format", "ics"])
        let json = try CLI.run(args + ["--format", "json"])
        #expect(ics.status == 0 && json.status == 0)
        try ics.stdout.write(toFile: dir + "/feed.ics", atomically: true, encoding: .utf8)
        let script = """
            import icalendar, sys, json
            cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
            out = [[str(e['UID']), e.decoded('DTSTART').timestamp(), e.decoded('DTEND').timestamp(), str(e['SUMMARY'])]
                   for e in cal.walk('VEVENT')]
            print(json.dumps(out, ensure_ascii=False))
            """
        let parsed = try Peers.run(Self.python, ["-c", script, dir + "/feed.ics"])
        #expect(parsed.status == 0, "\(parsed.stderr)")
        let events = try JSONSerialization.jsonObject(with: Data(parsed.stdout.utf8)) as! [[Any]]
        let rows = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [[String: Any]]
        #expect(events.count == rows.count && rows.count > 20)
        let iso = ISO8601DateFormatter()
        for (e, r) in zip(events, rows) {
            #expect(e[1] as? Double == iso.date(from: r["from"] as! String)?.timeIntervalSince1970)
            #expect(e[2] as? Double == iso.date(from: r["until"] as! String)?.timeIntervalSince1970)
            #expect((e[3] as? String)?.hasSuffix(r["person_name"] as! String) == true)
        }
        #expect(Set(events.map { $0[0] as! String }).count == events.count, "UIDs are unique")
        // Stable across runs and moments: the same events and UIDs (DTSTAMP is when the feed was made), and the
        // shift in progress keeps its real start when asked an hour later.
        func stable(_ text: String) -> [String] { text.split(separator: "\r\n").map(String.init).filter { !$0.hasPrefix("DTSTAMP:") } }
        #expect(stable(try CLI.run(args + ["--format", "ics"]).stdout) == stable(ics.stdout))
        let later = try CLI.run(args.map { $0 == "2026-12-01T00:00" ? "2026-12-01T01:00" : $0 } + ["--format", "ics"])
        #expect(stable(later.stdout).prefix(12) == stable(ics.stdout).prefix(12))
    }

    @Test func oncallAnswersInJapaneseAndEnglish() async throws {
        for (file, expected) in [("Examples/bridge.yaml", "運用オンコール: "), ("Examples/bridge.en.yaml", "Ops on-call: ")] {
            let env = try Fixtures.environment(file, clock: ManualClock(Self.tokyo("2026-12-08 10:00")))
            let out = await env.run("/oncall", as: "watanabe")
            #expect(out.ok && out.reply.contains(expected), "\(out.reply)")
            #expect(out.reply.contains(file.hasSuffix("en.yaml") ? "Misaki Suzuki (Weekday daytime) until" : "鈴木 美咲（") || out.reply.contains("鈴木 美咲 (平日日中)"), "\(out.reply)")
        }
    }

    /// `announce: true`: the 09:00 hand-off is posted once, mentioning the new person; a shift that began long
    /// ago is not announced on start. `GET /oncall/<schedule>.ics` needs the read token.
    @Test func handOffsAreAnnouncedOnceAndTheFeedNeedsTheReadToken() async throws {
        let clock = ManualClock(Self.tokyo("2026-12-08 08:55"))
        var config = try Fixtures.config("Examples/bridge.en.yaml")
        config.schedules["ops-oncall"]?.announce = true
        let parts = try BridgeServer.parts(
            config: config,
            dbPath: Fixtures.tempDir() + "/a.sqlite",
            clock: clock,
            settings: try PlatformSettings(config: config, environment: Fixtures.secrets()),
            templates: Fixtures.path("Templates"),
            logger: Logger(label: "announce")
        )
        let announcer = OnCallAnnouncer(
            store: parts.environment.store,
            outgoing: parts.environment.outgoing,
            config: config,
            clock: clock,
            logger: Logger(label: "announce")
        )
        func texts() async throws -> [String] {
            try await parts.environment.sqliteStore.writer.read { try String.fetchAll($0, sql: "SELECT text FROM outbox ORDER BY id") }
        }
        #expect(try await announcer.announceOnce() == Self.tokyo("2026-12-08 08:56"))  // a minute on, at most
        #expect(try await texts().isEmpty, "the night shift began at 18:00 yesterday: not announced on start")
        clock.advance(by: 5 * 60 + 30)
        try await announcer.announceOnce()
        try await announcer.announceOnce()
        let posted = try await texts()
        #expect(posted.count == 1, "\(posted)")
        #expect(posted.first?.contains("Ops on-call: Sho Watanabe → @Misaki Suzuki (until 2026-12-08 18:00)") == true, "\(posted)")

        let app = Application(router: BridgeServer.router(parts))
        try await app.test(.router) { client in
            #expect(try await client.execute(uri: "/oncall/ops-oncall.ics", method: .get) { $0.status } == .unauthorized)
            var auth = HTTPFields()
            auth[.authorization] = "Bearer \(Fixtures.readToken)"
            try await client.execute(uri: "/oncall/ops-oncall.ics", method: .get, headers: auth) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "text/calendar; charset=utf-8")
                let body = String(buffer: r.body)
                #expect(body.hasPrefix("BEGIN:VCALENDAR\r\n") && body.contains("SUMMARY:Ops on-call: Misaki Suzuki"))
            }
            #expect(try await client.execute(uri: "/oncall/nope.ics", method: .get, headers: auth) { $0.status } == .notFound)
        }
    }
}
