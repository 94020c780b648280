// swift-tools-version:6.0
import PackageDescription

/// What every test target links: the modules under test, the shared support and the libraries tests drive.
let testDependencies: [Target.Dependency] = [
    "BridgeCore", "BridgeConfig", "BridgeSQL", "BridgeStore", "BridgePostgres", "BridgeTemplates", "BridgeServer",
    "BridgeChat", "BridgeTransport", "BridgeAlerts", "BridgeOperatingModel", "BridgePaging", "BridgeTesting",
    "BridgeTestSupport",
    .product(name: "HummingbirdTesting", package: "hummingbird"),
    .product(name: "GRDB", package: "GRDB.swift"),
    .product(name: "Logging", package: "swift-log"),
]

let package = Package(
    name: "incident-bridge",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "incident-bridge", targets: ["IncidentBridgeCLI"]),
        .executable(name: "incident-bridge-bench", targets: ["BridgeBench"]),
        // The modules the fuzz package (Fuzz/, `make fuzz`) drives; it depends on this package by path.
        .library(
            name: "IncidentBridgeParsers",
            targets: ["BridgeCore", "BridgeConfig", "BridgeChat", "BridgeAlerts", "BridgeTemplates"]
        ),
        .library(
            name: "IncidentBridgeService",
            targets: ["BridgeStore", "BridgePaging", "BridgeOperatingModel", "BridgeTesting"]
        ),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", exact: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", exact: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", exact: "3.12.3"),
        // WebSocket client (TLS, proxies from https_proxy) for Slack Socket Mode and Mattermost's event stream.
        .package(url: "https://github.com/hummingbird-project/swift-websocket", exact: "1.6.2"),
        // PostgreSQL store for several instances (`--db postgres://...`).
        .package(url: "https://github.com/vapor/postgres-nio", exact: "1.33.2"),
    ],
    targets: [
        // Domain values, command grammar, lifecycle state machine, timer rules, IncidentService and the ports
        // (store, outbox, posters, transport, mailer, clock, cursors). Foundation only; no vendor names.
        .target(name: "BridgeCore"),
        // bridge.yaml -> typed settings (key paths and line numbers); secrets from the environment.
        .target(
            name: "BridgeConfig",
            dependencies: [
                "BridgeCore", "BridgeChat", "BridgePaging", "BridgeAlerts",
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        // The operating model: check, coverage matrix, readiness, KPI, timeline export and their renderers.
        .target(name: "BridgeOperatingModel", dependencies: ["BridgeCore"]),
        // Alertmanager webhook v4 -> the core's AlertSignal (with the byte-level JSON parser).
        .target(name: "BridgeAlerts", dependencies: ["BridgeCore"]),
        // The Mustache engine and template loading.
        .target(
            name: "BridgeTemplates",
            dependencies: [
                "BridgeCore",
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // The SQL of both stores, written once: statements, row mappers, the schema's migration steps, and the
        // dialect for what differs (placeholders, row locks, JSON fields, DDL types). Foundation + BridgeCore only.
        .target(name: "BridgeSQL", dependencies: ["BridgeCore"]),
        // SQLite store over GRDB: group commit, checkpointer, backup, operator commands; the SQL from BridgeSQL.
        .target(
            name: "BridgeStore",
            dependencies: [
                "BridgeCore", "BridgeSQL",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The same ports on PostgreSQL (postgres-nio) for several instances on one database; the SQL from BridgeSQL.
        .target(
            name: "BridgePostgres",
            dependencies: [
                "BridgeCore", "BridgeSQL",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // `incident-bridge migrate`: a SQLite history copied into PostgreSQL (the one place both stores meet).
        .target(name: "BridgeMigrate", dependencies: ["BridgeCore", "BridgeSQL", "BridgeStore", "BridgePostgres"]),
        // System libcurl with typed curl_easy_setopt/getinfo wrappers (shim.h).
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        // Outbound HTTP and SMTP over libcurl, off the cooperative pool.
        .target(name: "BridgeTransport", dependencies: ["BridgeCore", "CCurl"]),
        // Chat platforms, one folder each (Slack, Mattermost, Teams, Matrix, Webhook, Console): settings,
        // request verification, inbound parsing, escaping and mentions, posters, the Matrix poller.
        .target(
            name: "BridgeChat",
            dependencies: [
                "BridgeCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Pagers, one folder each (PagerDuty Events v2, Opsgenie, email over SMTP, signed webhook).
        .target(
            name: "BridgePaging",
            dependencies: [
                "BridgeCore", "BridgeTransport",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Thin HTTP routes, scheduler, dispatcher, console input, health, metrics, pages, the composition root.
        .target(
            name: "BridgeServer",
            dependencies: [
                "BridgeCore", "BridgeConfig", "BridgeStore", "BridgePostgres", "BridgeTemplates", "BridgeChat",
                "BridgeTransport", "BridgePaging", "BridgeAlerts", "BridgeOperatingModel",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "WSClient", package: "swift-websocket"),
            ]
        ),
        .executableTarget(
            name: "IncidentBridgeCLI",
            dependencies: [
                "BridgeCore", "BridgeConfig", "BridgeStore", "BridgePostgres", "BridgeMigrate", "BridgeTemplates",
                "BridgeServer", "BridgeTransport", "BridgeOperatingModel", "BridgeChat",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmarks behind BENCHMARKS.md (`make bench`).
        .executableTarget(
            name: "BridgeBench",
            dependencies: [
                "BridgeCore", "BridgeConfig", "BridgeStore", "BridgeServer", "BridgeChat", "BridgeTransport",
                "BridgeAlerts", "BridgePaging",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Test support: a manual clock that honours cancellation, recording fakes of the ports, peer processes.
        .target(name: "BridgeTesting", dependencies: ["BridgeCore"]),
        // Shared test support (fixtures, peers, the throwaway PostgreSQL cluster); the test targets below depend on it.
        .target(
            name: "BridgeTestSupport",
            dependencies: [
                "BridgeCore", "BridgeConfig", "BridgeStore", "BridgePostgres", "BridgeSQL", "BridgeTemplates",
                "BridgeServer", "BridgeChat", "BridgeTransport", "BridgeAlerts", "BridgeOperatingModel", "BridgePaging",
                "BridgeTesting",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Tests/Support"
        ),
        // Tests by speed (`make test-fast` runs the first three; `make test` all four):
        // core: values, grammar, lifecycle, config, parsers, templates; no database, no network.
        .testTarget(name: "BridgeCoreTests", dependencies: testDependencies),
        // store: both stores' conformance (SQLite always, PostgreSQL unless INCIDENT_BRIDGE_TEST_STORES=sqlite) and
        // the service over a real SQLite file.
        .testTarget(name: "BridgeStoreTests", dependencies: testDependencies),
        // adapters: routes through HummingbirdTesting, platform fixtures, recording transports, one-shot official
        // client checks (the peers venv); no peer server, no PostgreSQL, no browser.
        .testTarget(name: "BridgeAdapterTests", dependencies: testDependencies),
        // system: real peers (Synapse, Alertmanager, fakes held to official clients), Chromium, `serve` processes,
        // kill -9, two instances on PostgreSQL, libcurl against local servers.
        .testTarget(name: "BridgeSystemTests", dependencies: testDependencies),
    ]
)

