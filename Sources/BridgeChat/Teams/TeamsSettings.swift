import BridgeCore
import Foundation

/// `chat.teams`: the outgoing webhook's security token (commands) and/or a Workflows URL (channel posts).
public struct TeamsSettings: Sendable {
    public var hmacSecret: String?
    public var workflowURL: String?

    public init(_ t: [String: String], secrets: Secrets) throws {
        let path = "chat.teams"
        hmacSecret = try secrets.value(t, "hmac_secret_env", default: "TEAMS_HMAC_SECRET", path: path, required: false)
        workflowURL = try secrets.value(
            t,
            "workflow_url_env",
            default: "TEAMS_WORKFLOW_URL",
            path: path,
            required: false
        )
        if hmacSecret == nil && workflowURL == nil {
            throw SettingsError(message: "chat.teams: set the variables named by hmac_secret_env and/or workflow_url_env")
        }
        if let s = hmacSecret, Data(base64Encoded: s) == nil {
            throw SettingsError(message: "chat.teams.hmac_secret_env: the security token must be base64, as Teams shows it")
        }
    }
}

/// Teams: `<` and `>` as entities (no `<at>` from people or alerts), markdown links, images and headings made
/// inert (Adaptive Card TextBlocks render a markdown subset); `<at>name</at>` mentions from the bot only.
public struct TeamsDialect: PlatformDialect {
    public init() {}
    public func escape(_ text: String) -> String {
        Markup.breakMarkdown(Markup.breakMentions(Entities.escape(text, ampersand: false)))
    }
    public func mention(_ p: BridgeConfiguration.Person) -> String { "<at>\(p.handle("teams") ?? p.name)</at>" }
}
