import BridgeTestSupport
import BridgeCore
import BridgeServer
import BridgeTesting
import Foundation
import Testing

/// Refusals name who may act only to whoever may read `raci` where they ask (issue 24, finding 7).
@Suite struct RefusalNamingTests {
    /// The names of the members of roles holding an A (who may record drills and changes by default).
    static func accountableNames(_ config: BridgeConfiguration) -> [String] {
        config.rolesWithAccountability.flatMap { config.roles[$0]?.members ?? [] }.compactMap { config.people[$0]?.name }
    }

    func slack(_ env: BridgeEnvironment, _ text: String, user: String, channel: String) async -> CommandOutcome {
        await env.service.handle(ChatCommand(platform: "slack", channel: channel, user: user, text: text))
    }

    @Test func outsiderOutsideAnIncidentChannelIsNotToldWhoHoldsTheA() async throws {
        let env = try Fixtures.environment()
        let names = Self.accountableNames(env.config)
        #expect(!names.isEmpty)
        for verb in ["drill restore ok 40", "change rel-42 success"] {
            let refused = await slack(env, verb, user: "U0OUTSIDER", channel: "CRANDOM")
            #expect(refused.refused)
            #expect(refused.reply.contains("Not allowed") || refused.reply.contains("実行できません"), "\(refused.reply)")
            for name in names { #expect(!refused.reply.contains(name), "\(verb): \(refused.reply)") }
            // Nor may they read raci there.
            #expect(await slack(env, "raci db-outage", user: "U0OUTSIDER", channel: "CRANDOM").refused)
        }
    }

    @Test func whoeverMayReadRACIIsToldWhoMay() async throws {
        let env = try Fixtures.environment()
        let names = Self.accountableNames(env.config)
        // A person in `people` who holds no A, anywhere.
        let watanabe = await env.run("/incident drill restore ok 40", as: "watanabe")
        #expect(watanabe.refused)
        #expect(names.allSatisfy { watanabe.reply.contains($0) }, "\(watanabe.reply)")
        // An outsider in an incident's channel, where raci answers them.
        let suzuki = try #require(env.config.people["suzuki"]?.handles["slack"])
        let declared = await slack(env, "declare db-outage sev1 Orders DB down", user: suzuki, channel: "CINC")
        #expect(declared.ok, "\(declared.reply)")
        #expect(!(await slack(env, "raci db-outage", user: "U0OUTSIDER", channel: "CINC").refused))
        let outsider = await slack(env, "drill restore ok 40", user: "U0OUTSIDER", channel: "CINC")
        #expect(outsider.refused)
        #expect(names.allSatisfy { outsider.reply.contains($0) }, "\(outsider.reply)")
    }

    @Test func mayReadRACIFollowsItsRuleAndTheChannel() throws {
        var config = try Fixtures.config()
        let person = try #require(config.people["watanabe"])
        var authorizer = Authorizer(config: config)
        #expect(authorizer.mayReadRACI(person: person, incident: nil, inIncidentChannel: false))
        #expect(authorizer.mayReadRACI(person: nil, incident: nil, inIncidentChannel: true))
        #expect(!authorizer.mayReadRACI(person: nil, incident: nil, inIncidentChannel: false))
        config.authorization.rules[.raci] = [.people]
        authorizer = Authorizer(config: config)
        #expect(!authorizer.mayReadRACI(person: nil, incident: nil, inIncidentChannel: true))
        let generic = try #require(authorizer.check(.drill, person: nil, actor: "slack:U0", incident: nil, naming: false))
        for name in Self.accountableNames(config) { #expect(!generic.text(config.words, .en).contains(name)) }
    }
}
