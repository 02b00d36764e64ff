#!/usr/bin/env bash
# make bench, self-upgrade (SPEC §14): bootserver on a loopback port, one
# bootagent daemon (run from a copy of bin/bootagent in the work dir, the
# file a self-upgrade replaces) with 100 agents running `sleep 1000` and
# `step: 1s`. A job {"action":"upgrade","name":"bootagent"} names a new
# binary (the same build with bytes appended: another sha256). Printed:
#
#   selfupgrade_job_to_healthy_ms_100_agents: X ms   (the daemon's log: "job received" to "self-upgrade: healthy",
#        i.e. fetched, checked, swapped, re-executed in place, every agent adopted, the first report through)
#   selfupgrade_job_to_result_ms_100_agents: Y ms    (to the server showing the job succeeded)
#   selfupgrade_agents_restarted: 0                  (agents whose pid changed)
#
# Same plumbing as bench-server-idle.sh (bench-lib.sh).
set -euo pipefail
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC_BIN=${BOOTAGENT_BIN:-$ROOT/bin/bootagent}
SERVER_BIN=${BOOTSERVER_BIN:-$ROOT/bin/bootserver}
AGENTS=100

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bootagent-bench-selfupgrade.XXXXXX")
BIN=$WORK/bin/bootagent # the running daemon's binary: the upgrade swaps it
CFG=$WORK/bootagent.yaml
STATE=$WORK/state
DESIRED=$WORK/agents.d
LOG=$WORK/daemon.log
SERVER_LOG=$WORK/server.log
CGROUP_PARENT=bootagent-bench-selfupgrade-$$
HOST=bench-selfupgrade-$$
SERVER_PID=""
SERVER_URL=""

# shellcheck source=bench-lib.sh
source "$ROOT/scripts/bench-lib.sh"

# stop_server, and the exit traps that stop the daemon, its agents and
# the server: bench-lib.sh (with_server_cleanup).
with_server_cleanup

server() { "$SERVER_BIN" "$@" --server "$SERVER_URL" --data-dir "$WORK"; }

# job_state ID prints the job's state at the server.
job_state() { server jobs --json 2>/dev/null | awk -v id="$1" -F'"' '$2 == "id" { cur = $4 } $2 == "state" && cur == id { print $4 }'; }
job_succeeded() { [[ $(job_state "$1") == succeeded ]]; }
job_finished() { local s; s=$(job_state "$1"); [[ $s == succeeded || $s == failed ]]; }

# log_time REGEX prints the time (Unix ms) of the daemon log's first line
# matching REGEX.
log_time() {
	local t
	t=$(grep -m1 -E "$1" "$LOG" | sed -E 's/^time=([^ ]+) .*/\1/')
	[[ -n $t ]] || return 1
	date -d "$t" +%s%3N
}
logged() { grep -qE "$1" "$LOG"; }

setup() {
	STEP=setup
	[[ -x $SRC_BIN ]] || fail "no binary at $SRC_BIN: run 'make build' first"
	[[ -x $SERVER_BIN ]] || fail "no binary at $SERVER_BIN: run 'make build' first"
	mkdir -p "$DESIRED" "$WORK/bin"
	cp "$SRC_BIN" "$BIN"
	cp "$SRC_BIN" "$WORK/new"
	printf '\nbench-selfupgrade %s\n' "$$" >>"$WORK/new" # another sha256, the same program
	open_snooze

	start_server

	cat >"$CFG" <<-EOF
		state_dir: state
		desired_dir: agents.d
		cgroup_parent: $CGROUP_PARENT
		servers: ["$SERVER_URL"]
		server_ca: ca.pem
		step: 1s
		hostname: $HOST
		allow_local_packages: true
		upgrade_health_window: 60s
		stop_grace: 2s
	EOF
}

bench_selfupgrade() {
	STEP="start ($AGENTS agents)"
	write_idle_agents "$AGENTS"
	start_daemon
	wait_until 60 0.2 "$AGENTS agents running in status" has_running "$AGENTS"
	local before after
	before=$(status_json | agent_table)

	STEP="self-upgrade job"
	local sum out id
	sum=SHA256:$(sha256sum "$WORK/new" | cut -d' ' -f1)
	out=$(server job add --host "$HOST" --action upgrade --name bootagent --url "file://$WORK/new" --checksum "$sum") ||
		fail "job add: $out"
	id=$(awk '{print $NF}' <<<"$out")
	wait_until 120 0.02 "job $id finished at the server" job_finished "$id"
	local done_ms=$((${EPOCHREALTIME/./} / 1000))
	job_succeeded "$id" || fail "job $id: $(job_state "$id") (see the log)"
	logged 'self-upgrade: healthy' || fail "no 'self-upgrade: healthy' in the log"
	local t0 t1
	t0=$(log_time 'msg="job received".*agent=bootagent') || fail "no 'job received' in the log"
	t1=$(log_time 'self-upgrade: healthy')
	cmp -s "$BIN" "$WORK/new" || fail "$BIN is not the new binary"
	daemon_alive || fail "the daemon pid $DAEMON_PID is gone: not re-executed in place"
	after=$(status_json | agent_table)
	local restarted
	restarted=$(diff <(echo "$before") <(echo "$after") | grep -c '^>' || true)

	printf 'selfupgrade_job_to_healthy_ms_%d_agents: %d ms   (job received -> fetched, checked, swapped, re-executed in place (same pid %d), %d agents adopted, first report through)\n' \
		"$AGENTS" $((t1 - t0)) "$DAEMON_PID" "$AGENTS"
	printf 'selfupgrade_job_to_result_ms_%d_agents: %d ms   (job received -> the server shows it succeeded; polled every 20 ms)\n' \
		"$AGENTS" $((done_ms - t0))
	printf 'selfupgrade_agents_restarted: %d   (target 0: agents whose pid changed)\n' "$restarted"
}

setup
host_header "bootagent self-upgrade by server job"
bench_selfupgrade
STEP=shutdown
stop_daemon || fail "daemon did not exit cleanly after SIGTERM (status $?)"
