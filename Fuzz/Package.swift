// swift-tools-version:6.0
// Coverage-guided fuzz targets (libFuzzer) for every parser, decoder and escaper of IncidentBridge: one executable
// per target, built with `--sanitize=fuzzer` into `.build-fuzz` by `make fuzz` (README: Fuzzing).
import PackageDescription

let parsers = Target.Dependency.product(name: "IncidentBridgeParsers", package: "incident-bridge")
let service = Target.Dependency.product(name: "IncidentBridgeService", package: "incident-bridge")

/// One libFuzzer executable: `Sources/<name>/<name>.swift` exports `LLVMFuzzerTestOneInput`; libFuzzer gives `main`.
func fuzzTarget(_ name: String, _ dependencies: [Target.Dependency] = [parsers]) -> Target {
    .executableTarget(name: name, dependencies: ["FuzzSupport"] + dependencies)
}

let package = Package(
    name: "incident-bridge-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "incident-bridge", path: ".."),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
    ],
    targets: [
        // Input decoding, property checks that crash, the package root, known findings, the example config.
        .target(name: "FuzzSupport", dependencies: [parsers]),
        // The example config's IncidentService over a fresh in-memory store, for the targets that run commands.
        .target(name: "FuzzService", dependencies: ["FuzzSupport", parsers, service]),
        fuzzTarget("fuzz-command-parser"),
        fuzzTarget("fuzz-command-service", [parsers, "FuzzService"]),
        fuzzTarget("fuzz-config"),
        fuzzTarget("fuzz-slack-form"),
        fuzzTarget("fuzz-slack-socket"),
        fuzzTarget("fuzz-mattermost"),
        fuzzTarget("fuzz-teams"),
        fuzzTarget(
            "fuzz-matrix-sync",
            [parsers, service, "FuzzService", .product(name: "Logging", package: "swift-log")]
        ),
        fuzzTarget("fuzz-alertmanager"),
        fuzzTarget("fuzz-escapers", [parsers, .product(name: "Mustache", package: "swift-mustache")]),
    ]
)
