import Foundation

// `incident-bridge-bench`: the benchmarks behind BENCHMARKS.md. Each reports ratios against a baseline
// measured in the same run.

// The example config names these secrets (the alert route and the pages refuse to run open, issue 15).
for (k, v) in ["ALERTMANAGER_TOKEN": "bench-alert-token-0123456789", "INCIDENT_BRIDGE_READ_TOKEN": "bench-read-token"]
where ProcessInfo.processInfo.environment[k] == nil {
    setenv(k, v, 0)
}

let which = CommandLine.arguments.dropFirst().first ?? "timers"
switch which {
case "timers": try await timersBenchmark()
case "slack": try await slackBenchmark()
case "alerts": try await alertsBenchmark()
case "parsers": try parsersBenchmark()
case "oncall": try onCallBenchmark()
case "growth": try await growthBenchmark()
default:
    FileHandle.standardError.write(
        Data(
            """
            usage: incident-bridge-bench timers [--pending N] [--due N] [--window S] [--idle S]
                   incident-bridge-bench slack [--seconds S] [--connections N] [--requests N]
                   incident-bridge-bench alerts [--posts N] [--groups N] [--concurrency N]
                   incident-bridge-bench parsers [--ms M]
                   incident-bridge-bench oncall [--schedules N] [--layers N] [--overrides N]
                   incident-bridge-bench growth [--incidents N] [--entries N] [--keep]

            """.utf8
        )
    )
    exit(2)
}
