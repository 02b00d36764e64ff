#!/usr/bin/env bash
# make bench, part 4 (issue 14): bootserver under 10,000 simulated hosts
# (5 agents each) that obey their jobs (bootload --obey), with and without
# one rollout of the whole fleet active:
#   1. reports/s and p99 flat out with no rollout, then the same run while
#      a rollout of all 10,000 hosts is active (target: within 10 %);
#   2. time from `rollout create` to every host healthy, hosts reporting
#      every $STEP (default 5 s), waves 1,10%,100%, max-in-flight 10 %,
#      soak $SOAK (default 10 s).
# Runtime: 2 x $RUN (default 15 s) plus the timed rollout (a few minutes
# at step 5 s: wave 3 is 9,000 hosts, 1,000 at a time, each soaking).
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

bin/bootserver serve --insecure-http --open-enrollment --listen 127.0.0.1:0 --db "$tmp/bench.db" --addr-file "$tmp/addr" 2> "$tmp/server.log" &
server=$!
for _ in $(seq 100); do [ -s "$tmp/addr" ] && break; sleep 0.1; done
[ -s "$tmp/addr" ] || { echo "bench-rollout: bootserver did not start" >&2; cat "$tmp/server.log" >&2; exit 1; }
url="http://$(cat "$tmp/addr")"
export BOOTSERVER_URL=$url BOOTSERVER_DATA_DIR=$tmp
sum=SHA256:4a34b8d7d3009bb9ef9475fbf33e7bbe4a1e8db003aefc578a241c2f51c2c2f2
# create VERSION: a rollout upgrading Agent0 on every host; prints its id.
create() {
  bin/bootserver rollout create --action upgrade --name Agent0 --url "http://repo.example/Agent0-$1.tar.gz" \
    --checksum "$sum" --all --waves 1,10%,100% --max-in-flight 10% --soak "$SOAK" --healthy-deadline 30m |
    sed -n 's/.*rollout \(ro-[0-9a-f]*\)$/\1/p'
}
load() { bin/bootload --server "$url" --hosts "$HOSTS" --agents 5 --concurrency 32 --obey "$@"; }

# 1. flat out, without then with a rollout (created once the hosts exist).
base=$(load --duration "$RUN")
echo "no-rollout: $base"
ro=$(create 2.0)
with=$(load --duration "$RUN")
echo "rollout-active: $with"
echo "rollout-state-after: $(bin/bootserver rollout show "$ro" | sed -n 's/^state *//p')"
bin/bootserver rollout abort "$ro" > /dev/null || true

rate() { sed -n 's/.*reports\/s=\([0-9.]*\).*/\1/p' <<<"$1"; }
p99() { sed -n 's/.* p99=\([0-9.]*\)ms.*/\1/p' <<<"$1"; }
awk -v b="$(rate "$base")" -v w="$(rate "$with")" -v bp="$(p99 "$base")" -v wp="$(p99 "$with")" 'BEGIN {
  printf "bootserver_rollout_cost_reports: %.1f %% fewer reports/s (target <= 10 %%; %d/s without, %d/s with)\n", 100 * (b - w) / b, b, w
  printf "bootserver_rollout_cost_p99: %+.1f %% p99 (target <= 10 %%; %.2fms without, %.2fms with)\n", 100 * (wp - bp) / bp, bp, wp
}'

# 2. paced as agents with step $STEP: time from create to all healthy.
load --every "$STEP" --duration 10m --ready-file "$tmp/ready" > "$tmp/paced.out" &
load=$!
for _ in $(seq 600); do [ -e "$tmp/ready" ] && break; sleep 0.1; done
start=$(date +%s.%N)
ro=$(create 3.0)
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
