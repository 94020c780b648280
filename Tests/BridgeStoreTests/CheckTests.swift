import BridgeTestSupport
import BridgeConfig
import BridgeCore
import BridgeTesting
import Foundation
import Testing
import BridgePaging
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

@Suite struct CheckTests {
    /// The moment on-call gaps are looked for from: Tuesday 2026-12-01 00:00 in Tokyo.
    static let checkedAt = Date(timeIntervalSince1970: 1_796_050_800)

    func check(_ file: String, mutate: (inout BridgeConfiguration) -> Void = { _ in }) throws -> OperatingModelReport {
        let loaded = try ConfigLoader.load(path: Fixtures.path(file), lenient: true)
        var config = loaded.configuration
        mutate(&config)
        var c = OperatingModelCheck(config: config, lines: loaded.lines, currentDirectory: Fixtures.root)
        c.now = Self.checkedAt
        return c.run()
    }

    func errorPaths(_ r: OperatingModelReport) -> [String] { r.errors.map(\.path) }

    @Test func exampleConfigsHaveNoErrors() throws {
        for file in ["Examples/bridge.yaml", "Examples/bridge.en.yaml"] {
            let r = try check(file)
            #expect(r.errors.isEmpty, "\(file): \(r.errors)")
            #expect(r.ok)
            #expect(r.coverage.holes.isEmpty)
            // Console only: reported, but only as a warning.
            #expect(r.warnings.contains { $0.area == .reachability && $0.path == "chat" })
            #expect(
                r.checked.contains(
                    "Chain: OLA ola-ops-dev ops_lead->vendor_pm 15m + UC uc-ams-vendor start 30m = 45m <= SLA sla-service restore 4h"
                )
            )
            #expect(r.checked.contains("Runbooks: all 11 referenced files exist in \(Fixtures.path("Runbooks"))"))
            #expect(r.text().hasSuffix("OK with \(r.warnings.count) warnings"))
        }
    }

    @Test func handoverGapsListsExactlyTheBriefsHoles() throws {
        // Strict loading refuses the rows without an A; lenient loading records them and goes on.
        #expect(throws: ConfigError.self) { try ConfigLoader.load(path: Fixtures.path("Examples/handover-gaps.yaml")) }
        let loaded = try ConfigLoader.load(path: Fixtures.path("Examples/handover-gaps.yaml"), lenient: true)
        #expect(
            loaded.relaxedIssues.map(\.path).sorted() == [
                "event_types.batch-failure.raci", "event_types.external-saas-outage.raci",
                "event_types.incident-declaration.raci",
            ]
        )
        let r = try check("Examples/handover-gaps.yaml")
        #expect(!r.ok)
        // The brief's night and holiday hole: the schedule covers weekday daytime only.
        let gaps = r.errors.filter { $0.path == "schedules.ops-oncall" }.map(\.message)
        #expect(gaps.first == "nobody on call Tue 2026-12-01 00:00 - Tue 2026-12-01 09:00 (role ops_lead, escalation_policies.decision.steps[0])")
        #expect(gaps.contains { $0.hasPrefix("nobody on call Fri 2026-12-04 18:00 - Mon 2026-12-07 09:00") })
        // New Year's Day (Fri) and Coming-of-Age Day (Mon 2027-01-11) join the weekend.
        #expect(gaps.contains { $0.hasPrefix("nobody on call Thu 2026-12-31 18:00 - Mon 2027-01-04 09:00") })
        #expect(gaps.contains { $0.hasPrefix("nobody on call Fri 2027-01-08 18:00 - Tue 2027-01-12 09:00") })
        #expect(
            Set(errorPaths(r)) == [
                "schedules.ops-oncall",
                // RACI rows without an A (the brief's original table).
                "event_types.incident-declaration.raci", "event_types.batch-failure.raci",
                "event_types.external-saas-outage.raci",
                // The failure case: night first response, security patches, batch monitoring, inquiry flow, backup drills.
                "coverage.application.first_response", "coverage.platform.patch", "coverage.application.patch",
                "coverage.application.monitoring", "coverage.business_operations.first_response",
                "coverage.platform.backup",
            ]
        )
        #expect(r.errors.count == 9 + gaps.count)
        #expect(r.errors.allSatisfy { $0.line != nil })
        let declaration = try #require(r.errors.first { $0.path == "event_types.incident-declaration.raci" })
        #expect(
            declaration.message.hasPrefix(
                "no A in [business_owner I, ops_lead R, vendor_pm C, cloud_ops C, security I]"
            )
        )
        let night = try #require(r.errors.first { $0.path == "coverage.application.first_response" })
        #expect(
            night.message == "hole: status undecided, no owner: who covers first response (application) is not decided"
        )
        // Two R's are pointed out, as warnings.
        #expect(
            r.warnings.filter { $0.message.hasPrefix("2 R's (ops_lead, cloud_ops)") }.map(\.path).sorted()
                == ["event_types.capacity-increase.raci", "event_types.routine-patch.raci"]
        )
        #expect(r.coverage.holes.count == 6)
        let text = r.text()
        #expect(text.contains("!! ? (no owner)"))
        #expect(text.hasSuffix("FAIL: \(9 + gaps.count) errors (exit 1)"))
        // Errors come before warnings, in file order.
        let lines = r.errors.compactMap(\.line)
        #expect(lines == lines.sorted())
    }

    @Test func jsonParses() throws {
        let r = try check("Examples/handover-gaps.yaml")
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(r.json().utf8)) as? [String: Any])
        #expect(doc["ok"] as? Bool == false)
        #expect(doc["errors"] as? Int == r.errors.count && r.errors.count > 9)
        let findings = try #require(doc["findings"] as? [[String: Any]])
        #expect(
            findings.contains {
                $0["path"] as? String == "coverage.platform.backup" && $0["level"] as? String == "error"
            }
        )
        let coverage = try #require(doc["coverage"] as? [String: Any])
        #expect((coverage["cells"] as? [Any])?.count == 27)
    }

    @Test func chainNamesBothAgreementsAndTheNumbers() throws {
        let r = try check("Examples/bridge.yaml") { c in
            let i = c.agreements.firstIndex { $0.id == "uc-ams-vendor" }!
            c.agreements[i].startWithin = .hours(4)
            c.agreements[i].restore = .hours(6)
            c.agreements[i].updateEvery = .hours(1)
        }
        let messages = r.errors.map(\.description)
        #expect(
            messages.contains {
                $0.hasPrefix("agreements[2].start_within (line ")
                    && $0.hasSuffix(
                        "OLA ola-ops-dev ops_lead->vendor_pm 15m + UC uc-ams-vendor start 4h = 4h15m > SLA sla-service "
                            + "restore 4h: recovery may only start after the restore target has passed"
                    )
            }
        )
        #expect(messages.contains { $0.contains("UC uc-ams-vendor restore 6h > SLA sla-service restore 4h") })
        #expect(
            messages.contains { $0.contains("UC uc-ams-vendor updates every 1h > severities.sev1.update_every 30m") }
        )
    }

    @Test func escalationSlowerThanTheOLAOrTheFirstResponse() throws {
        let r = try check("Examples/bridge.yaml") { c in
            c.escalationPolicies["standard"]!.steps[0].ackWithin = .minutes(45)
        }
        #expect(
            r.errors.contains {
                $0.path == "escalation_policies.standard.steps[0].ack_within"
                    && $0.message.contains(
                        "waits 45m before paging vendor_pm > OLA ola-ops-dev ops_lead->vendor_pm escalate within 15m"
                    )
            }
        )
        #expect(
            r.errors.contains {
                $0.path == "escalation_policies.standard.steps[0].ack_within"
                    && $0.message.contains("first step waits 45m > first response 30m (severities.sev1.first_response")
            }
        )
        // The example policies: paging everybody takes longer than the sev1 first response, a warning with who is late.
        let ok = try check("Examples/bridge.yaml")
        #expect(
            ok.warnings.contains {
                $0.path == "escalation_policies.standard"
                    && $0.message
                        == "total wait 15m + 30m + 30m = 1h15m > first response 30m (severities.sev1.first_response, "
                        + "event type db-outage): business_owner at 45m paged only after the target has passed"
            }
        )
    }

    @Test func raciRolesAndReachability() throws {
        let r = try check("Examples/bridge.yaml") { c in
            c.eventTypes["db-outage"]!.raci = [("business_owner", .A), ("ops_lead", .A), ("vendor_pm", .C)]
            c.roles["security"]!.members = []
            c.chat.platforms["slack"] = ["bot_token_env": "SLACK_BOT_TOKEN"]
        }
        let messages = r.errors.map(\.description)
        #expect(
            messages.contains {
                $0.contains("event_types.db-outage.raci") && $0.contains("2 A's (business_owner, ops_lead)")
            }
        )
        #expect(messages.contains { $0.contains("event_types.db-outage.raci") && $0.contains("no R in") })
        #expect(messages.contains { $0.hasPrefix("roles.security.members") && $0.contains("no members, but named in") })
        // Slack is configured: Ito (vendor deputy PM) has no Slack handle.
        #expect(r.errors.filter { $0.area == .reachability }.map(\.path) == ["people.ito"])
        #expect(!r.warnings.contains { $0.area == .reachability })
        let withEmail = try check("Examples/bridge.yaml") { c in
            c.chat.platforms["slack"] = ["bot_token_env": "SLACK_BOT_TOKEN"]
            c.paging.channels["email"] = ["from": "bot@example.com"]
        }
        #expect(withEmail.errors.isEmpty)
    }

    @Test func coverageHolesOfEveryKind() throws {
        let r = try check("Examples/bridge.yaml") { c in
            let i = c.coverage.firstIndex { $0.layer == "platform" && $0.item == "capacity" }!
            c.coverage[i].sla = nil
            c.coverage.removeAll { $0.layer == "business_operations" && $0.item == "access" }
        }
        #expect(
            r.errors.map(\.description).contains {
                $0.hasPrefix("coverage.platform.capacity (line ")
                    && $0.hasSuffix("hole: contracted without an SLA value for capacity (platform)")
            }
        )
        #expect(
            r.errors.contains {
                $0.path == "coverage.business_operations.access" && $0.message.contains("not in the matrix")
            }
        )
        #expect(r.coverage.text().contains("!! - (missing)"))
    }

    @Test func runbooksMustExistAndEveryEventTypeNeedsOne() throws {
        let r = try check("Examples/bridge.yaml") { c in
            c.eventTypes["db-outage"]!.runbooks = []
            c.eventTypes["batch-failure"]!.runbooks = ["batch-failure.md", "batch-rerun.md"]
        }
        #expect(
            r.errors.map(\.path).sorted() == [
                "event_types.batch-failure.runbooks[1]", "event_types.db-outage.runbooks",
            ]
        )
        #expect(r.errors.contains { $0.message == "'batch-rerun.md' does not exist in \(Fixtures.path("Runbooks"))" })
    }

    @Test func runbookDirectoryIsFoundBesideTheConfigThenItsParentThenTheCurrentDirectory() throws {
        let root = Fixtures.tempDir()
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/ops/conf", withIntermediateDirectories: true)
        try fm.createDirectory(atPath: root + "/ops/Runbooks", withIntermediateDirectories: true)
        var config = try Fixtures.config()
        config.sourcePath = root + "/ops/conf/bridge.yaml"
        let c = OperatingModelCheck(config: config, currentDirectory: root)
        #expect(c.runbookCandidates == [root + "/ops/conf/Runbooks", root + "/ops/Runbooks", root + "/Runbooks"])
        #expect(c.runbookDirectory == root + "/ops/Runbooks")
        config.runbooks.directory = "/nonexistent/runbooks"
        let missing = OperatingModelCheck(config: config, currentDirectory: root).run()
        #expect(missing.errors.map(\.path) == ["runbooks.directory"])
    }

    @Test func readinessFromConfigAndRecordedDrills() async throws {
        let clock = ManualClock()
        let env = try Fixtures.environment(clock: clock)
        // Drills are recorded by members of roles holding an A (default policy): cloud ops holds none.
        let refused = await env.run("/incident drill restore ok 40", as: "watanabe")
        #expect(!refused.ok && refused.refused)
        #expect(await env.run("/incident drill restore ok 40", as: "takahashi").ok)
        clock.advance(by: 3600)
        #expect(await env.run("/incident drill recovery-dry-run 失敗 90").ok)
        let drills = try await env.store.read { try $0.drills() }
        let config = env.config
        let check = OperatingModelCheck(config: config, currentDirectory: Fixtures.root).run()
        let schedule = try #require(ReadinessSchedule(releaseDate: "2027-02-01", config: config, now: clock.now()))
        let report = ReadinessReport.build(
            config: config,
            check: check,
            drills: drills,
            drillSource: "test",
            templatesDirectory: Fixtures.path("Templates"),
            schedule: schedule,
            now: clock.now()
        )
        let status = Dictionary(uniqueKeysWithValues: report.items.map { ($0.letter, $0.status) })
        #expect(
            status == [
                "a": .fail, "b": .fail, "c": .pass, "d": .unknown, "e": .pass, "f": .pass, "g": .pass, "h": .fail,
            ]
        )
        let c = try #require(report.items.first { $0.letter == "c" })
        #expect(c.evidence.contains("ok: restore drill (1, latest first): 2026-11-26 10:00 ok 40 min by takahashi"))
        let h = try #require(report.items.first { $0.letter == "h" })
        #expect(h.evidence.contains { $0.hasPrefix("FAIL: no contact-tree drill recorded") })
        #expect(schedule.milestones.map(\.label) == ["T-60", "T-30", "T-7", "T+0", "T+30"])
        #expect(
            schedule.milestones.map(\.date) == ["2026-12-03", "2027-01-02", "2027-01-25", "2027-02-01", "2027-03-03"]
        )
        #expect(schedule.notes.first?.contains("hypercare.start is 2026-12-01") == true)
        let md = report.markdown()
        #expect(md.hasPrefix("# Operational readiness review"))
        #expect(md.contains("| (b) | Recovery procedure dry-run done | **FAIL** |"))
        #expect(md.contains("| T-60 | 2026-12-03 (Thu) | in 7 days |"))
        #expect(md.contains("- [ ] run a recovery dry-run"))
        #expect(ReadinessSchedule(releaseDate: "2027-02-30", config: config, now: clock.now()) == nil)
        // Without a database the drill items are unknown, not failed.
        let noDB = ReadinessReport.build(
            config: config,
            check: check,
            drills: nil,
            drillSource: "none",
            templatesDirectory: Fixtures.path("Templates"),
            schedule: nil,
            now: clock.now()
        )
        #expect(noDB.items.first { $0.letter == "c" }?.status == .unknown)
    }

    @Test func readinessOfTheHandoverGaps() throws {
        let loaded = try ConfigLoader.load(path: Fixtures.path("Examples/handover-gaps.yaml"), lenient: true)
        let check = OperatingModelCheck(config: loaded.configuration, currentDirectory: Fixtures.root).run()
        let r = ReadinessReport.build(
            config: loaded.configuration,
            check: check,
            drills: [],
            drillSource: "empty",
            templatesDirectory: Fixtures.path("Templates"),
            schedule: nil,
            now: ManualClock.reference
        )
        let a = try #require(r.items.first { $0.letter == "a" })
        #expect(a.evidence.contains { $0.contains("application HOLE (status undecided, no owner)") })
        #expect(
            r.items.first { $0.letter == "h" }?.evidence.contains { $0.contains("event_types.batch-failure.raci") }
                == true
        )
        #expect(r.overall == .fail)
    }

    @Test func drillResultsAreRead() {
        #expect(ReadinessReport.classify(drillResult: "OK") == .pass)
        #expect(ReadinessReport.classify(drillResult: "成功") == .pass)
        #expect(ReadinessReport.classify(drillResult: "failed") == .fail)
        #expect(ReadinessReport.classify(drillResult: "NG") == .fail)
        #expect(ReadinessReport.classify(drillResult: "partly") == .unknown)
    }
}
