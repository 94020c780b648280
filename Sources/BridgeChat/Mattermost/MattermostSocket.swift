import BridgeCore
import Foundation

/// Mattermost's WebSocket event stream (`/api/v4/websocket`, https://developers.mattermost.com/api-documentation/
/// #/#websocket): a `hello` with the connection id, then events numbered by `seq`. A `posted` event carries the
/// post as a JSON string in `data.post`. Reconnecting with `connection_id` and `sequence_number` (the next seq
/// wanted) resumes without a hello; a hello with a new connection id means the server could not resume (it
/// restarted, or the gap was too long), and missed posts are read back with `GET /channels/{id}/posts?since=`.
public enum MattermostSocket {
    public enum Event: Sendable, Equatable {
        case hello(connectionID: String, seq: Int)
        case posted(Post, seq: Int)
        /// Any other event, or a reply to one of ours.
        case other(String, seq: Int?)
    }

    /// The fields of a post the bot needs.
    public struct Post: Sendable, Equatable {
        public var id: String
        public var channelID: String
        public var userID: String
        public var message: String
        public var rootID: String
        /// Milliseconds since 1970, as Mattermost counts.
        public var createAt: Int64
        /// "" for a person's post; `system_*` for joins, header changes, ...
        public var type: String
        /// Posted by an incoming webhook, a bot or a plugin (`props.from_webhook`, `from_bot`, `from_plugin`): its
        /// `user_id` is whoever made the integration, not whoever wrote the text.
        public var fromIntegration: Bool = false

        public init(id: String, channelID: String, userID: String, message: String, rootID: String = "", createAt: Int64, type: String = "") {
            self.id = id
            self.channelID = channelID
            self.userID = userID
            self.message = message
            self.rootID = rootID
            self.createAt = createAt
            self.type = type
        }

        init?(_ json: [String: Any]) {
            guard let id = json["id"] as? String, let channel = json["channel_id"] as? String,
                let user = json["user_id"] as? String, let message = json["message"] as? String
            else { return nil }
            self.init(
                id: id,
                channelID: channel,
                userID: user,
                message: message,
                rootID: json["root_id"] as? String ?? "",
                createAt: (json["create_at"] as? NSNumber)?.int64Value ?? 0,
                type: json["type"] as? String ?? ""
            )
            let props = json["props"] as? [String: Any] ?? [:]
            fromIntegration = ["from_webhook", "from_bot", "from_plugin"].contains { key in
                let v = props[key]
                return (v as? String) == "true" || (v as? Bool) == true
            }
        }
    }

    public static func parse(_ text: String) throws(InboundError) -> Event {
        guard let json = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] else {
            throw InboundError("websocket message is not a JSON object")
        }
        // A sequence number near Int.max would overflow `seq + 1` when resuming: held to a sane range.
        let seq = ((json["seq"] as? NSNumber)?.intValue).map { min(max($0, 0), Int(Int32.max)) }
        guard let event = json["event"] as? String else { return .other("reply", seq: nil) }
        let data = json["data"] as? [String: Any] ?? [:]
        switch event {
        case "hello":
            return .hello(connectionID: data["connection_id"] as? String ?? "", seq: seq ?? 0)
        case "posted":
            guard let postText = data["post"] as? String,
                let object = (try? JSONSerialization.jsonObject(with: Data(postText.utf8))) as? [String: Any],
                let post = Post(object)
            else {
                throw InboundError("posted event without a readable post")
            }
            return .posted(post, seq: seq ?? 0)
        default:
            return .other(event, seq: seq)
        }
    }

    /// The posts of a `GET /api/v4/channels/{id}/posts?since=` answer, oldest first.
    public static func posts(_ body: Data) throws(InboundError) -> [Post] {
        guard let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any],
            let posts = json["posts"] as? [String: Any]
        else {
            throw InboundError("not a Mattermost post list")
        }
        return posts.values.compactMap { ($0 as? [String: Any]).flatMap(Post.init) }
            .sorted { ($0.createAt, $0.id) < ($1.createAt, $1.id) }
    }

    /// The command of a post addressed to the bot (`!incident ...`, `/incident ...`), from a person (not the bot,
    /// not a system message). The sender is the post's `user_id`: a user renamed to a colleague's name is still
    /// themselves. The reply is posted in the channel, so it is not private.
    public static func command(_ post: Post, botUserID: String) -> InboundCommand? {
        guard post.userID != botUserID, post.type.isEmpty, !post.fromIntegration, CommandParser.isAddressed(post.message)
        else { return nil }
        return InboundCommand(
            ChatCommand(
                platform: "mattermost",
                channel: post.channelID,
                user: post.userID,
                text: post.message,
                replyTo: post.rootID.isEmpty ? post.id : post.rootID,
                privateReply: false
            ),
            deliveryKey: "mattermost:post:\(post.id)"
        )
    }

    /// `ws(s)://host/api/v4/websocket`, with the resume parameters when there is a connection to resume.
    public static func url(server: String, resume: (connectionID: String, nextSeq: Int)?) -> String {
        var base = server.hasSuffix("/") ? String(server.dropLast()) : server
        if base.hasPrefix("https://") {
            base = "wss://" + base.dropFirst(8)
        } else if base.hasPrefix("http://") {
            base = "ws://" + base.dropFirst(7)
        }
        var url = base + "/api/v4/websocket"
        if let r = resume {
            let id = r.connectionID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? r.connectionID
            url += "?connection_id=\(id)&sequence_number=\(r.nextSeq)"
        }
        return url
    }
}
