#!/usr/bin/env bash
# `make fuzz`: builds the libFuzzer targets of Fuzz/Package.swift (release, --sanitize=fuzzer, into .build-fuzz)
# and runs each for FUZZ_SECONDS (default 60) or, when FUZZ_RUNS is set, for that many inputs.
# FUZZ_TARGETS="command-parser escapers" picks targets; FUZZ_KNOWN=crash stops at findings already being fixed
# (default: skip them, named once on stderr). New inputs go to .build-fuzz/corpus/<target> (the committed seeds in
# Fuzz/corpus/<target> are only read); a crash is saved as .build-fuzz/artifacts/<target>/crash-* and makes the run
# fail after the other targets have run.
set -uo pipefail
cd "$(dirname "$0")/.."
SWIFT=${SWIFT:-swift}
SCRATCH=${FUZZ_SCRATCH:-.build-fuzz}
ALL="command-parser command-service config slack-form slack-socket mattermost teams matrix-sync alertmanager escapers"
TARGETS=${FUZZ_TARGETS:-$ALL}
SECONDS_EACH=${FUZZ_SECONDS:-60}
RUNS=${FUZZ_RUNS:-}

$SWIFT build --package-path Fuzz --scratch-path "$SCRATCH" -c release --sanitize=fuzzer -Xswiftc -enable-testing \
    || exit 1
BIN="$SCRATCH/release"

limit=(-max_total_time="$SECONDS_EACH")
[ -n "$RUNS" ] && limit=(-runs="$RUNS")
summary="$SCRATCH/fuzz-summary.txt"
: > "$summary"
failed=0
for t in $TARGETS; do
    mkdir -p "$SCRATCH/corpus/$t" "$SCRATCH/artifacts/$t" "$SCRATCH/logs"
    log="$SCRATCH/logs/$t.log"
    echo "== fuzz-$t (${limit[*]})"
    # Swift's own backtracer would take the crash signal before libFuzzer saves the input.
    SWIFT_BACKTRACE=enable=no FUZZ_KNOWN=${FUZZ_KNOWN:-skip} "$BIN/fuzz-$t" "${limit[@]}" -timeout=20 \
        -print_final_stats=1 -artifact_prefix="$SCRATCH/artifacts/$t/" \
        "$SCRATCH/corpus/$t" "Fuzz/corpus/$t" > "$log" 2>&1
    status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | grep -E 'cov: ' | tail -1)
    cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$last")
    known=$(grep -h '^fuzz: skipping known finding' "$log" | sed 's/^fuzz: skipping known finding //' | sort -u | tr '\n' ' ')
    if [ $status -eq 0 ]; then
        result="ok"
    else
        failed=1
        crash=$(ls -t "$SCRATCH/artifacts/$t"/ 2>/dev/null | head -1)
        result="CRASH ($SCRATCH/artifacts/$t/$crash, log $log)"
        grep -m1 -E 'Fatal error|ERROR: libFuzzer' "$log"
    fi
    line="fuzz-$t: runs ${runs:-?}, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}${known:+, known skipped: $known}: $result"
    echo "$line"
    echo "$line" >> "$summary"
done
echo "== summary ($summary)"
cat "$summary"
exit $failed
