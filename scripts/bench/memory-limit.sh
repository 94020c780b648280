#!/usr/bin/env bash
# serve under a hard memory limit (a small container), page cache dropped first so the binary's own pages are
# charged to it: does it start, and how fast are the pages? Needs root and a cgroup memory controller (v1 or v2).
# usage: scripts/bench/memory-limit.sh BIN CONFIG DB INCIDENT LIMIT   (LIMIT like 40M)
# The data set: `incident-bridge-bench growth --keep` prints CONFIG, DB and INCIDENT.
set -euo pipefail
BIN=$1 CONFIG=$2 DB=$3 INC=$4 LIMIT=$5
PORT=${PORT:-18198}
TOKEN=bench-read-token-0123456789
if [ -d /sys/fs/cgroup/memory ]; then
  CG=/sys/fs/cgroup/memory/incident-bridge-bench; mkdir -p $CG
  echo "$LIMIT" > $CG/memory.limit_in_bytes; echo 0 > $CG/memory.max_usage_in_bytes; echo 0 > $CG/memory.failcnt
  usage() { echo "peak $(( $(cat $CG/memory.max_usage_in_bytes) / 1048576 )) MiB, limit hits $(cat $CG/memory.failcnt)"; }
else
  CG=/sys/fs/cgroup/incident-bridge-bench; mkdir -p $CG
  echo "$LIMIT" > $CG/memory.max
  usage() { echo "peak $(( $(cat $CG/memory.peak 2>/dev/null || cat $CG/memory.current) / 1048576 )) MiB"; }
fi
sync; echo 3 > /proc/sys/vm/drop_caches
start=$(date +%s.%N)
( sleep 600 | bash -c "echo \$\$ > $CG/cgroup.procs; exec env ALERTMANAGER_TOKEN=bench-alert-token-0123456789 \
    INCIDENT_BRIDGE_READ_TOKEN=$TOKEN $BIN serve --config $CONFIG --db $DB --port $PORT" >/dev/null 2>&1 & )
until curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz"; do sleep 0.1; done
echo "limit $LIMIT: answering /healthz after $(echo "$(date +%s.%N) - $start" | bc) s"
for p in /incidents "/incidents/$INC" "/incidents/$INC" "/incidents/$INC?all=1"; do
  curl -s -m 120 -o /dev/null -w "  %{http_code} %{time_total} s %{size_download} B $p\n" -H "Authorization: Bearer $TOKEN" \
    "http://127.0.0.1:$PORT$p"
done
pid=$(pgrep -f "serve --config $CONFIG --db $DB --port $PORT")
echo "  $(grep -E 'VmRSS|RssAnon|RssFile' /proc/$pid/status | tr -s ' \t\n' ' ')"
echo "  $(usage)"
kill "$pid"
