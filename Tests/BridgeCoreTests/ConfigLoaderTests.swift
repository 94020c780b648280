import BridgeTestSupport
import BridgeConfig
import BridgeCore
import Foundation
import Testing
import BridgePaging
import BridgeOperatingModel
import BridgeChat
import BridgeAlerts

@Suite struct ConfigLoaderTests {
    func load(_ yaml: String) throws -> BridgeConfiguration { try ConfigLoader.load(yaml: yaml, file: "t.yaml") }

    func issues(_ yaml: String) -> [ConfigIssue] {
        do {
            _ = try load(yaml)
            return []
        } catch let e as ConfigError {
            return e.issues
        } catch {
            return [ConfigIssue(path: "?", line: nil, message: "\(error)")]
        }
    }

    static let base = """
        locale: en
        timezone: Asia/Tokyo
        bridge: {phone: "+81-50-0000-0000", url: "https://meet.example.com/b"}
        people:
          sato: {name: Sato, slack: U1}
          suzuki: {name: Suzuki, slack: U2}
        roles:
          owner: {name: Owner, members: [sato]}
          ops: {name: Ops, members: [suzuki]}
        severities:
          sev1: {name: Critical, first_response: 30m, restore: 4h, update_every: 30m, page: true}
        escalation_policies:
          standard:
            steps:
              - {notify: [ops], ack_within: 15m}
              - {notify: [owner], ack_within: 30m}
        event_types:
          db-outage:
            name: DB outage
            severity: sev1
            raci: {owner: A, ops: R}
            escalation: standard
            runbooks: [db-outage.md]
        """

    @Test func examplesLoad() throws {
        for file in ["Examples/bridge.yaml", "Examples/bridge.en.yaml", "Examples/handover-gaps.yaml"]
        where file != "Examples/handover-gaps.yaml" {
            let c = try Fixtures.config(file)
            #expect(c.eventTypes["db-outage"]?.roles(.A) == ["business_owner"])
            #expect(c.roles.count == 5)
            #expect(c.severities["sev1"]?.firstResponse == .minutes(30))
            #expect(c.severities["sev1"]?.restore == .hours(4))
            #expect(c.escalationPolicies["standard"]?.steps.first?.notify == ["ops_lead"])
            #expect(c.escalationPolicies["standard"]?.steps.first?.ackWithin == .minutes(15))
        }
        #expect(try Fixtures.config("Examples/bridge.en.yaml").locale == .en)
    }

    @Test func baseLoads() throws {
        let c = try load(Self.base)
        #expect(c.eventTypes["db-outage"]?.roles(.R) == ["ops"])
    }

    @Test func twoAsAreRefusedWithPathAndLine() {
        let found = issues(
            Self.base.replacingOccurrences(of: "raci: {owner: A, ops: R}", with: "raci: {owner: A, ops: A}")
        )
        #expect(found.count == 1)
        #expect(found.first?.path == "event_types.db-outage.raci")
        #expect(found.first?.line == 21)
        #expect(found.first?.message.contains("2 A's") == true)
    }

    @Test func noAIsRefused() {
        let found = issues(
            Self.base.replacingOccurrences(of: "raci: {owner: A, ops: R}", with: "raci: {owner: I, ops: R}")
        )
        #expect(found.map(\.path) == ["event_types.db-outage.raci"])
    }

    @Test func unknownRolePersonDurationPolicy() {
        var y = Self.base.replacingOccurrences(of: "members: [sato]", with: "members: [nobody]")
        #expect(issues(y).map(\.path) == ["roles.owner.members[0]"])
        y = Self.base.replacingOccurrences(of: "raci: {owner: A, ops: R}", with: "raci: {owner: A, ops: R, pr: C}")
        #expect(issues(y).map(\.path) == ["event_types.db-outage.raci.pr"])
        y = Self.base.replacingOccurrences(of: "ack_within: 15m", with: "ack_within: fifteen")
        let d = issues(y)
        #expect(d.map(\.path) == ["escalation_policies.standard.steps[0].ack_within"])
        #expect(d.first?.line == 15)
        y = Self.base.replacingOccurrences(of: "escalation: standard", with: "escalation: missing")
        #expect(issues(y).map(\.path) == ["event_types.db-outage.escalation"])
        y = Self.base.replacingOccurrences(of: "notify: [ops]", with: "notify: [dev]")
        #expect(issues(y).map(\.path) == ["escalation_policies.standard.steps[0].notify"])
        y = Self.base + "\nlocal: ja\n"
        #expect(issues(y).map(\.path) == ["local"])
        y = Self.base.replacingOccurrences(of: "timezone: Asia/Tokyo", with: "timezone: Mars/Olympus")
        #expect(issues(y).map(\.path) == ["timezone"])
    }

    @Test func brokenYAMLGivesALine() {
        let found = issues("locale: en\npeople: [\n")
        #expect(found.count == 1)
        #expect(found.first?.line != nil)
    }

    @Test func errorDescriptionIsOneLinePerIssue() {
        let e = ConfigError(
            file: "x.yaml",
            issues: [.init(path: "a.b", line: 3, message: "bad"), .init(path: "c", line: nil, message: "worse")]
        )
        #expect(e.description == "x.yaml: a.b (line 3): bad\nx.yaml: c: worse")
    }
}
