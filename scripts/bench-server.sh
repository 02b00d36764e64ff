#!/usr/bin/env bash
# make bench, part 2: bootserver under a simulated fleet of 10,000 hosts
# with 5 agents each, reporting as fast as the server allows on loopback
# (one short connection per report, as agents do: SPEC §7). Runs of 20 s
# each: plain HTTP (--insecure-http, the design note's protocol) and HTTPS
# with the CA serve makes (SPEC §10), then the cost of TLS in throughput
# (issue 10: at most 25 %). With short connections what keeps HTTPS cheap
# is TLS session resumption (session tickets, the client's session cache;
# bootload prints the share resumed); the same pair with --keepalive shows
# the cost once connections are reused (a proxy or a future agent).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
server=""
stop_server() {
  if [ -n "$server" ]; then
    kill -TERM "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
  fi
}
cleanup() {
  stop_server
  rm -rf "$tmp"
}
trap cleanup EXIT

# run NAME SCHEME KEEPALIVE [serve flags]: one server on a fresh database,
# one bootload run against it; prints bootload's line prefixed with NAME.
run() {
  local name=$1 scheme=$2 keepalive=$3 dir="$tmp/$1"
  shift 3
  mkdir -p "$dir"
  bin/bootserver serve --open-enrollment --listen 127.0.0.1:0 --db "$dir/bench.db" --addr-file "$dir/addr" "$@" 2> "$dir/server.log" &
  server=$!
  for _ in $(seq 100); do [ -s "$dir/addr" ] && break; sleep 0.1; done
  [ -s "$dir/addr" ] || { echo "bench-server: bootserver did not start" >&2; cat "$dir/server.log" >&2; exit 1; }
  local ca=()
  [ "$scheme" = https ] && ca=(--ca "$dir/ca.pem")
  echo "$name: $(bin/bootload --server "$scheme://$(cat "$dir/addr")" "${ca[@]}" --keepalive="$keepalive" --hosts 10000 --agents 5 --concurrency 32 --duration 20s)"
  stop_server
}

rate() { sed -n 's/.*reports\/s=\([0-9.]*\).*/\1/p' <<<"$1"; }
p99() { sed -n 's/.* p99=\([^ ]*\).*/\1/p' <<<"$1"; }
# cost NAME PLAIN TLS: the figure line comparing two runs.
cost() {
  awk -v n="$1" -v p="$(rate "$2")" -v t="$(rate "$3")" -v pp="$(p99 "$2")" -v tp="$(p99 "$3")" 'BEGIN {
    c = (p > 0) ? 100 * (p - t) / p : 0
    printf "%s: %.1f %% of reports/s   (target <= 25 %%; plain %d/s p99 %s, https %d/s p99 %s)\n", n, c, p, pp, t, tp
  }'
}

plain=$(run plain-http http false --insecure-http)
echo "$plain"
tls=$(run https https false)
echo "$tls"
plain_ka=$(run plain-http-keepalive http true --insecure-http)
echo "$plain_ka"
tls_ka=$(run https-keepalive https true)
echo "$tls_ka"
cost bootserver_tls_cost_short_connections "$plain" "$tls"
cost bootserver_tls_cost_keepalive "$plain_ka" "$tls_ka"
