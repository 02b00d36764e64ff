#!/usr/bin/env bash
# make bench, side by side: bootagent, s6, runit and supervisord (Debian's
# packages, installed by `make deps`) in one run on the same programs: N
# services, each a `run` script that execs `sleep`. Start-up to all N
# running at N = 100 and 500, restart after kill -9 (median, p95); every
# figure on its own line with the ratio bootagent/peer. The measuring is
# done by scripts/benchpeers (Go: /proc is read the same way for every
# peer). A peer not installed is skipped with a line saying so.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ -x bin/bootagent ]] || { echo "bench-peers: no bin/bootagent: run 'make build' first" >&2; exit 1; }
# Root: bootagent's agents get cgroups only as root, and "running" is heard
# from the kernel's process events connector, which only root may join.
# Run one bench at a time: the peers' processes are told apart by pid, but
# two benches compete for the same two CPUs.
[[ $(id -u) == 0 ]] || { echo "bench-peers: needs root (cgroups, process events)" >&2; exit 1; }
echo "# side by side: $(bin/bootagent version 2>/dev/null || echo '?'); s6 $(dpkg-query -W -f '${Version}' s6 2>/dev/null || echo absent); runit $(dpkg-query -W -f '${Version}' runit 2>/dev/null || echo absent); supervisor $(dpkg-query -W -f '${Version}' supervisor 2>/dev/null || echo absent)"
echo "# host: nproc=$(nproc), kernel $(uname -r); load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
go run ./scripts/benchpeers -bootagent bin/bootagent -n "${BENCH_PEERS_N:-100,500}" -rounds "${BENCH_PEERS_ROUNDS:-3}" -restarts "${BENCH_PEERS_RESTARTS:-20}" "$@"
echo "# load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
