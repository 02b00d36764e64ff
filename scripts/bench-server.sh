#!/usr/bin/env bash
# make bench, part 2: bootserver under a simulated fleet of 10,000 hosts
# with 5 agents each, reporting as fast as the server allows on loopback
# (one short connection per report, as agents do). Bounded: 20 s.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill -TERM "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
bin/bootserver serve --listen 127.0.0.1:0 --db "$tmp/bench.db" --addr-file "$tmp/addr" 2> "$tmp/server.log" &
server=$!
for _ in $(seq 100); do [ -s "$tmp/addr" ] && break; sleep 0.1; done
[ -s "$tmp/addr" ] || { echo "bench-server: bootserver did not start" >&2; cat "$tmp/server.log" >&2; exit 1; }
bin/bootload --server "http://$(cat "$tmp/addr")" --hosts 10000 --agents 5 --concurrency 32 --duration 20s
