#!/usr/bin/env bash
# make bench, idle daemon talking to a control server: bootserver on a
# loopback port, one bootagent daemon configured with `servers: [it]`,
# `step: 10s` and 100 agents running `sleep 1000`; once all run and the
# server has a report of them, the daemon's CPU over 60 s. Printed as
#
#   idle_cpu_percent_100_agents_server_step10s: X %   (target <= 0.5 %, ...)
#
# Same plumbing and conventions as bench.sh (bench-lib.sh): everything in a
# mktemp dir removed on exit, a cgroup parent of our own, the daemon and the
# server always stopped on exit, a failed step named with the daemon log.
set -euo pipefail
export LC_ALL=C # $EPOCHREALTIME and awk must agree on '.' as decimal point

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BOOTAGENT_BIN:-$ROOT/bin/bootagent}
SERVER_BIN=${BOOTSERVER_BIN:-$ROOT/bin/bootserver}

IDLE_AGENTS=100
IDLE_SECONDS=${BENCH_IDLE_SECONDS:-60} # shorter only to try the script out
STEP_SECONDS=10

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bootagent-bench-server-idle.XXXXXX")
CFG=$WORK/bootagent.yaml
STATE=$WORK/state
DESIRED=$WORK/agents.d
LOG=$WORK/daemon.log
SERVER_LOG=$WORK/server.log
CGROUP_PARENT=bootagent-bench-server-idle-$$
HOST=bench-idle-$$ # the hostname the daemon reports
SERVER_PID=""
SERVER_URL=""

# shellcheck source=bench-lib.sh
source "$ROOT/scripts/bench-lib.sh"

# stop_server, and the exit traps that stop the daemon, its agents and
# the server: bench-lib.sh (with_server_cleanup).
with_server_cleanup

# server_agents prints the server's view of our host's agents (JSON).
# The data directory ($WORK, where the database is) holds the admin token
# and the CA the CLI needs.
server_agents() { "$SERVER_BIN" agents --server "$SERVER_URL" --data-dir "$WORK" --json "$HOST" 2>/dev/null; }

# server_has_running N: the server's last report of our host shows at
# least N agents running.
server_has_running() {
	local n
	n=$(server_agents | awk '{n += gsub(/"status": *"running"/, "")} END {print n + 0}')
	((n >= $1))
}

# last_report prints the newest reported_at (server time, Unix seconds) of
# our host's agents.
last_report() { server_agents | awk -F'"reported_at": *' 'NF > 1 {split($2, a, /[^0-9]/); if (a[1] > m) m = a[1]} END {print m + 0}'; }

setup() {
	STEP=setup
	[[ -x $BIN ]] || fail "no binary at $BIN: run 'make build' first"
	[[ -x $SERVER_BIN ]] || fail "no binary at $SERVER_BIN: run 'make build' first"
	mkdir -p "$DESIRED"
	open_snooze

	start_server # HTTPS with the CA serve made in $WORK, as a real fleet runs

	cat >"$CFG" <<-EOF
		state_dir: state
		desired_dir: agents.d
		cgroup_parent: $CGROUP_PARENT
		servers: ["$SERVER_URL"]
		server_ca: ca.pem
		step: ${STEP_SECONDS}s
		hostname: $HOST
		restart: {delay: 1s, window: 1m, max_failures: 3}
		stop_grace: 2s
	EOF
}

bench_idle_server() {
	STEP="idle ($IDLE_AGENTS agents, server, step ${STEP_SECONDS}s)"
	write_idle_agents "$IDLE_AGENTS"
	start_daemon
	wait_until 60 0.2 "$IDLE_AGENTS agents running in status" has_running "$IDLE_AGENTS"
	# A report showing all of them has reached the server: the window
	# starts in the steady state (one report per step), not in the burst of
	# registering and the first reports.
	wait_until $((3 * STEP_SECONDS + 30)) 0.5 "the server has a report of $IDLE_AGENTS running agents" \
		server_has_running "$IDLE_AGENTS"
	local r0 r1
	r0=$(last_report)

	cpu_window "$IDLE_SECONDS" "$DAEMON_PID" "$SERVER_PID"
	local rss_kb threads
	rss_kb=$(proc_status "$DAEMON_PID" VmRSS)
	threads=$(proc_status "$DAEMON_PID" Threads)
	r1=$(last_report)
	has_running "$IDLE_AGENTS" || fail "fewer than $IDLE_AGENTS agents running after the idle window"
	# Several steps fit in the real window: a daemon that stopped reporting
	# would be measured idle for the wrong reason.
	if ((IDLE_SECONDS >= 2 * STEP_SECONDS && r1 <= r0)); then
		fail "the server got no report during the ${IDLE_SECONDS}s window (last reported_at $r1)"
	fi

	printf 'idle_cpu_percent_%d_agents_server_step%ds: %s %%   (target <= 0.5 %%, %d ticks of 1/%d s over %.1f s; RSS %s MiB, %d threads; bootserver used %s %%; last report %d s after the one before the window)\n' \
		"$IDLE_AGENTS" "$STEP_SECONDS" "$(cpu_percent "${CPU_TICKS[0]}")" "${CPU_TICKS[0]}" "$CLK_TCK" "$CPU_WALL" \
		"$(awk -v kb="$rss_kb" 'BEGIN {printf "%.1f", kb / 1024}')" "$threads" "$(cpu_percent "${CPU_TICKS[1]}")" $((r1 - r0))
}

setup
host_header "bootagent idle with a control server"
bench_idle_server
loadavg end
STEP=shutdown
stop_daemon || fail "daemon did not exit cleanly after SIGTERM (status $?)"
