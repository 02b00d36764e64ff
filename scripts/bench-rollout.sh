#!/usr/bin/env bash
# make bench, part 4 (issue 14): bootserver under 10,000 simulated hosts
# (5 agents each) that obey their jobs (bootload --obey), with and without
# one rollout of the whole fleet active:
#   1. reports/s and p99 flat out with no rollout, then the same run while
#      a rollout of all 10,000 hosts is active (target: within 10 %);
#   2. time from `rollout create` to every host healthy, hosts reporting
#      every $STEP (default 5 s), waves 1,10%,100%, max-in-flight 10 %,
#      soak $SOAK (default 10 s).
# Runtime: 2 x $RUN (default 15 s) plus the timed rollout (about 3 min
# at step 5 s: wave 3 is 9,000 hosts, 1,000 at a time, each soaking);
# PHASES=1 stops after the first part.
set -euo pipefail
cd "$(dirname "$0")/.."
RUN=${RUN:-15s}
STEP=${STEP:-5s}
SOAK=${SOAK:-10s}
HOSTS=${HOSTS:-10000}
tmp=$(mktemp -d)
server="" load=""
cleanup() {
  for p in $load $server; do kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# start_server NAME: a bootserver on a fresh database (hosts enroll once,
# so each measurement gets its own fleet and server).
start_server() {
  local dir="$tmp/$1"
  mkdir -p "$dir"
  bin/bootserver serve --insecure-http --open-enrollment --listen 127.0.0.1:0 --db "$dir/bench.db" --addr-file "$dir/addr" 2> "$dir/server.log" &
  server=$!
  for _ in $(seq 100); do [ -s "$dir/addr" ] && break; sleep 0.1; done
  [ -s "$dir/addr" ] || { echo "bench-rollout: bootserver did not start" >&2; cat "$dir/server.log" >&2; exit 1; }
  url="http://$(cat "$dir/addr")"
  export BOOTSERVER_URL=$url BOOTSERVER_DATA_DIR=$dir
}
stop_server() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""; }
sum=SHA256:4a34b8d7d3009bb9ef9475fbf33e7bbe4a1e8db003aefc578a241c2f51c2c2f2
# create VERSION WAVES: a rollout upgrading Agent0 on every host; prints its id.
create() {
  bin/bootserver rollout create --action upgrade --name Agent0 --url "http://repo.example/Agent0-$1.tar.gz" \
    --checksum "$sum" --all --waves "$2" --max-in-flight 10% --soak "$SOAK" --healthy-deadline 30m |
    sed -n 's/.*rollout \(ro-[0-9a-f]*\)$/\1/p'
}
# load ARGS: bootload on the fleet (exec: a background load is bootload
# itself, so a signal reaches it).
load() { exec bin/bootload --server "$url" --hosts "$HOSTS" --agents 5 --concurrency 32 --obey "$@"; }
# wait_ready: until the bootload in the background has registered its hosts.
wait_ready() {
  for _ in $(seq 600); do [ -e "$1" ] && return; sleep 0.1; done
  echo "bench-rollout: bootload never got its hosts registered" >&2; exit 1
}

# 1. flat out, without then with a rollout of the whole fleet (created
# as soon as the hosts are registered, when the measured phase starts;
# waves 10%,100% so that jobs, soaks and verdicts go on during the run
# rather than one canary soaking).
start_server plain
base=$(load --duration "$RUN")
echo "no-rollout: $base"
stop_server
start_server active
(load --duration "$RUN" --ready-file "$tmp/ready1") > "$tmp/with.out" &
load=$!
wait_ready "$tmp/ready1"
ro=$(create 2.0 10%,100%)
wait "$load"
load=""
with=$(cat "$tmp/with.out")
echo "rollout-active: $with"
echo "rollout-after-run: $(bin/bootserver rollout show "$ro" | sed -n 's/^state *//p') $(bin/bootserver rollout list | grep "$ro" | tr -s ' ' | cut -d' ' -f4-)"
stop_server

rate() { sed -n 's/.*reports\/s=\([0-9.]*\).*/\1/p' <<<"$1"; }
p99() { sed -n 's/.* p99=\([0-9.]*\)ms.*/\1/p' <<<"$1"; }
awk -v b="$(rate "$base")" -v w="$(rate "$with")" -v bp="$(p99 "$base")" -v wp="$(p99 "$with")" 'BEGIN {
  printf "bootserver_rollout_cost_reports: %.1f %% fewer reports/s (target <= 10 %%; %d/s without, %d/s with)\n", 100 * (b - w) / b, b, w
  printf "bootserver_rollout_cost_p99: %+.1f %% p99 (target <= 10 %%; %.2fms without, %.2fms with)\n", 100 * (wp - bp) / bp, bp, wp
}'

[ "${PHASES:-2}" = 1 ] && exit 0

# 2. paced as agents with step $STEP: time from create to all healthy.
start_server paced
(load --every "$STEP" --duration 10m --ready-file "$tmp/ready2") > "$tmp/paced.out" &
load=$!
wait_ready "$tmp/ready2"
start=$(date +%s.%N)
ro=$(create 3.0 1,10%,100%)
if bin/bootserver rollout wait --timeout 10m "$ro" > "$tmp/wait.out"; then
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v st="$STEP" -v so="$SOAK" -v h="$HOSTS" 'BEGIN {
    printf "bootserver_rollout_all_healthy: %.1f s (%d hosts, step %s, waves 1,10%%,100%%, max-in-flight 10%%, soak %s)\n", e - s, h, st, so }'
else
  echo "bootserver_rollout_all_healthy: not reached: $(cat "$tmp/wait.out")"
fi
kill -INT "$load" 2>/dev/null || true
wait "$load" || true
load=""
echo "paced: $(cat "$tmp/paced.out")"
