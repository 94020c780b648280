import Foundation

/// The validated contents of `bridge.yaml`: the operating model the bot enforces.
public struct BridgeConfiguration: Sendable, Equatable {
    public var locale: Locale
    public var timeZone: TimeZone
    public var bridge: Bridge
    public var people: [String: Person]
    public var roles: [String: Role]
    public var severities: [String: Severity]
    public var eventTypes: [String: EventType]
    public var escalationPolicies: [String: EscalationPolicy]
    public var agreements: [Agreement]
    public var coverage: [CoverageCell]
    public var maintenanceWindows: [MaintenanceWindow]
    public var alertRoutes: [AlertRoute]
    /// The variable holding the bearer token the alert route requires (`alerts.<source>.token_env`).
    public var alertTokenEnv: String?
    public var chat: ChatSettings
    public var paging: PagingSettings
    public var hypercare: Hypercare?
    public var runbooks: RunbookSettings
    public var http: HTTPSettings
    /// How long sent outbox rows and inbound delivery ids are kept.
    public var retention: Retention = .init()
    /// Who may use which verb (`authorization:`), over the defaults.
    public var authorization: AuthorizationPolicy = .init()
    /// `holidays`: national calendar and extra days off (schedules' `when.holidays`).
    public var holidays: Holidays = .init()
    /// `schedules`: on-call rotations by id.
    public var schedules: [String: Schedule] = [:]
    /// `alerts.alertmanager.allow_unauthenticated`: the alert route may run without a token (an open door).
    public var alertsAllowUnauthenticated = false
    /// The file the configuration came from (for messages and relative paths).
    public var sourcePath: String?
    /// The words of both languages (`Templates/<locale>/words.yaml`), handed over at start; empty until then.
    public var words = Words()
    /// What the core needs to know of each chat platform, by platform id (from the platform registry at load).
    public var platformTraits: [String: PlatformTraits] = [:]
    /// The alert source whose token guards the alert route: its config key path and route (from the alert
    /// source registry at load), for `Perimeter`.
    public var alertDoor = AlertDoor()

    /// The config key and route of the alert source `Perimeter` reports.
    public struct AlertDoor: Sendable, Equatable {
        /// `alerts.<source>`.
        public var keyPath: String
        /// The route path, `/alerts/<source>`.
        public var route: String
        public init(keyPath: String = "alerts", route: String = "/alerts") {
            self.keyPath = keyPath
            self.route = route
        }
    }

    /// Bot message language.
    public enum Locale: String, Sendable, Codable, CaseIterable { case ja, en }

    /// The fixed conference bridge everybody joins.
    public struct Bridge: Sendable, Equatable {
        public var phone: String
        public var url: String
        public init(phone: String, url: String) {
            self.phone = phone
            self.url = url
        }
    }

    /// A person with their handles on each chat and pager platform.
    public struct Person: Sendable, Equatable {
        public var id: String
        public var name: String
        public var email: String?
        /// Chat platform id (as in the config's `people.<id>` keys) -> the person's handle or user id there.
        public var handles: [String: String]
        /// Pager id -> the person's user id or login there.
        public var pagers: [String: String]
        public init(
            id: String,
            name: String,
            email: String? = nil,
            handles: [String: String] = [:],
            pagers: [String: String] = [:]
        ) {
            self.id = id
            self.name = name
            self.email = email
            self.handles = handles
            self.pagers = pagers
        }
        /// The person's handle on chat platform `platform`, if the config names one.
        public func handle(_ platform: String) -> String? { handles[platform] }
    }

    /// An organisational role (business owner, operations lead, ...) and its members.
    public struct Role: Sendable, Equatable {
        public var id: String
        public var name: String
        public var members: [String]
        /// `roles.<id>.schedule`: when set, pages go to whoever the schedule has on call, not every member.
        public var schedule: String?
        public init(id: String, name: String, members: [String], schedule: String? = nil) {
            self.id = id
            self.name = name
            self.members = members
            self.schedule = schedule
        }
    }

    /// Targets of one severity level.
    public struct Severity: Sendable, Equatable {
        public var id: String
        public var name: String
        public var firstResponse: BridgeDuration
        public var restore: BridgeDuration
        public var updateEvery: BridgeDuration
        public var page: Bool
        /// Fractions of an SLA clock at which R is warned (default 0.5 and 0.8).
        public var warnAt: [Double]
        public init(
            id: String,
            name: String,
            firstResponse: BridgeDuration,
            restore: BridgeDuration,
            updateEvery: BridgeDuration,
            page: Bool,
            warnAt: [Double] = [0.5, 0.8]
        ) {
            self.id = id
            self.name = name
            self.firstResponse = firstResponse
            self.restore = restore
            self.updateEvery = updateEvery
            self.page = page
            self.warnAt = warnAt
        }
    }

    /// One letter of a RACI row.
    public enum RACILetter: String, Sendable, Codable, CaseIterable { case R, A, C, I }

    /// A kind of incident or decision point with its RACI row, default severity, escalation and runbooks.
    public struct EventType: Sendable, Equatable {
        public var id: String
        public var name: String
        public var severity: String
        /// Role id -> letter, in config order.
        public var raci: [(role: String, letter: RACILetter)]
        public var escalation: String?
        public var runbooks: [String]
        public init(
            id: String,
            name: String,
            severity: String,
            raci: [(role: String, letter: RACILetter)],
            escalation: String?,
            runbooks: [String]
        ) {
            self.id = id
            self.name = name
            self.severity = severity
            self.raci = raci
            self.escalation = escalation
            self.runbooks = runbooks
        }
        public static func == (l: EventType, r: EventType) -> Bool {
            l.id == r.id && l.name == r.name && l.severity == r.severity && l.escalation == r.escalation
                && l.runbooks == r.runbooks
                && l.raci.map { "\($0.role)=\($0.letter)" } == r.raci.map { "\($0.role)=\($0.letter)" }
        }
        /// Role ids holding `letter`, in config order.
        public func roles(_ letter: RACILetter) -> [String] { raci.filter { $0.letter == letter }.map(\.role) }
    }

    /// A chain of notification steps, each waiting `ackWithin` before the next.
    public struct EscalationPolicy: Sendable, Equatable {
        public struct Step: Sendable, Equatable {
            public var notify: [String]
            public var ackWithin: BridgeDuration
            public init(notify: [String], ackWithin: BridgeDuration) {
                self.notify = notify
                self.ackWithin = ackWithin
            }
        }
        public var id: String
        public var steps: [Step]
        /// How many times the whole policy restarts after its last step.
        public var repeatCount: Int
        public init(id: String, steps: [Step], repeatCount: Int) {
            self.id = id
            self.steps = steps
            self.repeatCount = repeatCount
        }
    }

    /// An SLA, OLA or UC with its targets.
    public struct Agreement: Sendable, Equatable {
        public enum Kind: String, Sendable, Codable { case sla, ola, uc }
        public var id: String
        public var kind: Kind
        public var name: String
        public var firstResponse: BridgeDuration?
        public var restore: BridgeDuration?
        public var updateEvery: BridgeDuration?
        public var escalateWithin: BridgeDuration?
        public var startWithin: BridgeDuration?
        public var from: String?
        public var to: String?
        public var party: String?
        public var keyPath: String
        public init(
            id: String,
            kind: Kind,
            name: String,
            firstResponse: BridgeDuration? = nil,
            restore: BridgeDuration? = nil,
            updateEvery: BridgeDuration? = nil,
            escalateWithin: BridgeDuration? = nil,
            startWithin: BridgeDuration? = nil,
            from: String? = nil,
            to: String? = nil,
            party: String? = nil,
            keyPath: String = ""
        ) {
            self.id = id
            self.kind = kind
            self.name = name
            self.firstResponse = firstResponse
            self.restore = restore
            self.updateEvery = updateEvery
            self.escalateWithin = escalateWithin
            self.startWithin = startWithin
            self.from = from
            self.to = to
            self.party = party
            self.keyPath = keyPath
        }
    }

    /// One cell of the contract-coverage matrix (layer x item).
    public struct CoverageCell: Sendable, Equatable {
        public enum Status: String, Sendable, Codable {
            case contracted
            case inHouse = "in_house"
            case undecided
        }
        public var layer: String
        public var item: String
        public var owner: String?
        public var status: Status
        public var sla: String?
        public var line: Int
        public init(layer: String, item: String, owner: String?, status: Status, sla: String?, line: Int = 0) {
            self.layer = layer
            self.item = item
            self.owner = owner
            self.status = status
            self.sla = sla
            self.line = line
        }
    }

    /// The layers and items of the coverage matrix, in the brief's order.
    public static let coverageLayers = ["platform", "application", "business_operations"]
    public static let coverageItems = [
        "monitoring", "first_response", "bug_fix", "change", "patch", "access",
        "backup", "change_management", "capacity",
    ]

    /// A recurring maintenance window, e.g. every 2nd Friday 23:00-05:00.
    public struct MaintenanceWindow: Sendable, Equatable {
        public var name: String
        /// 1 = Sunday ... 7 = Saturday (Calendar weekday numbering).
        public var weekday: Int
        /// 1...5 for "nth weekday of the month"; nil for every week.
        public var weekOfMonth: Int?
        /// Minutes after local midnight.
        public var start: Int
        public var end: Int
        public init(name: String, weekday: Int, weekOfMonth: Int?, start: Int, end: Int) {
            self.name = name
            self.weekday = weekday
            self.weekOfMonth = weekOfMonth
            self.start = start
            self.end = end
        }
    }

    /// Alert routing by labels: first matching route wins.
    public struct AlertRoute: Sendable, Equatable {
        public var match: [String: String]
        public var matchRegex: [String: String]
        public var eventType: String
        public var severity: String?
        public var autoMitigate: Bool
        public var isDefault: Bool
        public init(
            match: [String: String],
            matchRegex: [String: String],
            eventType: String,
            severity: String?,
            autoMitigate: Bool,
            isDefault: Bool
        ) {
            self.match = match
            self.matchRegex = matchRegex
            self.eventType = eventType
            self.severity = severity
            self.autoMitigate = autoMitigate
            self.isDefault = isDefault
        }
    }

    /// Which chat platforms are on and their non-secret settings (secrets are named by `*_env`).
    public struct ChatSettings: Sendable, Equatable {
        public var consoleEnabled: Bool
        /// Raw settings per platform id: key -> value.
        public var platforms: [String: [String: String]]
        public init(consoleEnabled: Bool = true, platforms: [String: [String: String]] = [:]) {
            self.consoleEnabled = consoleEnabled
            self.platforms = platforms
        }
    }

    /// Pager channels with their non-secret settings, by pager id.
    public struct PagingSettings: Sendable, Equatable {
        public var channels: [String: [String: String]]
        public init(channels: [String: [String: String]] = [:]) { self.channels = channels }
    }

    /// Hypercare period and the criteria for moving to business-as-usual.
    public struct Hypercare: Sendable, Equatable {
        public var start: String
        public var days: Int
        public var mttrMax: BridgeDuration?
        public var firstResponseMax: BridgeDuration?
        public var sev1Max: Int?
        public var changeSuccessMin: Double?
        public init(
            start: String,
            days: Int,
            mttrMax: BridgeDuration?,
            firstResponseMax: BridgeDuration?,
            sev1Max: Int?,
            changeSuccessMin: Double?
        ) {
            self.start = start
            self.days = days
            self.mttrMax = mttrMax
            self.firstResponseMax = firstResponseMax
            self.sev1Max = sev1Max
            self.changeSuccessMin = changeSuccessMin
        }
    }

    /// Where runbooks live and how posts link them.
    public struct RunbookSettings: Sendable, Equatable {
        public var directory: String
        public var baseURL: String?
        public init(directory: String = "Runbooks", baseURL: String? = nil) {
            self.directory = directory
            self.baseURL = baseURL
        }

        /// The link a post shows for a runbook file.
        public func link(for file: String) -> String {
            if let base = baseURL, !base.isEmpty {
                return base.hasSuffix("/") ? base + file : base + "/" + file
            }
            return directory.isEmpty ? file : (directory.hasSuffix("/") ? directory + file : directory + "/" + file)
        }
    }

    /// `retention`: sent outbox rows and inbound delivery ids older than these are deleted in the background.
    public struct Retention: Sendable, Equatable {
        public var outboxSent: BridgeDuration
        public var inbound: BridgeDuration
        public init(outboxSent: BridgeDuration = .init(seconds: 30 * 86_400), inbound: BridgeDuration = .init(seconds: 7 * 86_400)) {
            self.outboxSent = outboxSent
            self.inbound = inbound
        }
    }

    /// HTTP server settings.
    public struct HTTPSettings: Sendable, Equatable {
        public var readTokenEnv: String?
        /// `http.public_pages`: `/incidents` pages (and `/metrics` off loopback) without a token (an open door).
        public var publicPages = false
        /// The URL the bot is reachable at from the chat servers (button callbacks, links).
        public var publicURL: String?
        /// `http.max_connections`: open HTTP connections beyond which a new one is answered 503 and closed
        /// (after evicting the oldest idle one, if any); well under the 1,024 files systemd gives by default.
        public var maxConnections = 512
        /// `http.idle_timeout`: a keep-alive connection with no request for this long is closed.
        public var idleTimeout = BridgeDuration(seconds: 60)
        /// `http.header_timeout`: a request's head must arrive within this (slowloris).
        public var headerTimeout = BridgeDuration(seconds: 10)
        /// `http.body_timeout`: a request's body must arrive within this after its head.
        public var bodyTimeout = BridgeDuration(seconds: 30)
        public init(readTokenEnv: String? = nil, publicURL: String? = nil) {
            self.readTokenEnv = readTokenEnv
            self.publicURL = publicURL
        }
    }

    public init(
        locale: Locale,
        timeZone: TimeZone,
        bridge: Bridge,
        people: [String: Person],
        roles: [String: Role],
        severities: [String: Severity],
        eventTypes: [String: EventType],
        escalationPolicies: [String: EscalationPolicy],
        agreements: [Agreement] = [],
        coverage: [CoverageCell] = [],
        maintenanceWindows: [MaintenanceWindow] = [],
        alertRoutes: [AlertRoute] = [],
        alertTokenEnv: String? = nil,
        chat: ChatSettings = .init(),
        paging: PagingSettings = .init(),
        hypercare: Hypercare? = nil,
        runbooks: RunbookSettings = .init(),
        http: HTTPSettings = .init(),
        sourcePath: String? = nil
    ) {
        self.locale = locale
        self.timeZone = timeZone
        self.bridge = bridge
        self.people = people
        self.roles = roles
        self.severities = severities
        self.eventTypes = eventTypes
        self.escalationPolicies = escalationPolicies
        self.agreements = agreements
        self.coverage = coverage
        self.maintenanceWindows = maintenanceWindows
        self.alertRoutes = alertRoutes
        self.alertTokenEnv = alertTokenEnv
        self.chat = chat
        self.paging = paging
        self.hypercare = hypercare
        self.runbooks = runbooks
        self.http = http
        self.sourcePath = sourcePath
    }
}
