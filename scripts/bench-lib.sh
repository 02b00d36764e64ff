# shellcheck shell=bash
# Shared plumbing of the whole-process benchmarks (scripts/bench.sh,
# scripts/bench-server-idle.sh): sourced, not run. Every function here uses
# the caller's globals:
#
#   BIN            the bootagent binary
#   WORK           the mktemp dir that holds everything (removed on exit)
#   CFG STATE LOG  the daemon's config file, state dir and log
#   CGROUP_PARENT  a cgroup parent of the script's own: never touch the
#                  cgroups of a daemon someone else runs on this host
#   STEP           the step running, named by fail
#   DAEMON_PID SNOOZE_FD  set by start_daemon and open_snooze
#
# Figures go to stdout as "name: value unit   (target ..., context)" lines;
# header lines start with '#'.

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
	echo "bench-lib.sh is sourced by scripts/bench*.sh, not run" >&2
	exit 2
fi

DAEMON_PID=""
SNOOZE_FD=""
STEP=setup

# fail names the step, shows why the daemon may have given up, and exits.
fail() {
	echo "bench: FAILED in step '$STEP': $*" >&2
	if [[ -s $LOG ]]; then
		echo "bench: last lines of the daemon log ($LOG):" >&2
		tail -n 25 "$LOG" | sed 's/^/  | /' >&2
		cp "$LOG" /tmp/bootagent-bench-failed.log
		echo "bench: the whole daemon log is kept in /tmp/bootagent-bench-failed.log" >&2
	fi
	exit 1
}

# The poll loops fork as little as they can (builtins only where no status
# call is needed): the latency steps poll every few ms, and hundreds of
# forks a second would steal CPU from the daemon being measured on a small
# machine.

# open_snooze makes the FIFO snooze reads from (in $WORK).
open_snooze() {
	mkfifo "$WORK/snooze"
	exec {SNOOZE_FD}<>"$WORK/snooze"
}

# snooze SECONDS sleeps: a read on a FIFO nobody writes times out.
snooze() { read -r -t "$1" -u "$SNOOZE_FD" _ || true; }

# pid_alive PID: the process exists and is not a zombie. The state is the
# field after the last ')' (the command name may hold spaces).
pid_alive() {
	[[ -n $1 ]] || return 1
	local line
	read -r line 2>/dev/null <"/proc/$1/stat" || return 1
	line=${line##*) }
	[[ ${line%% *} != Z ]]
}

daemon_alive() { pid_alive "$DAEMON_PID"; }

# wait_until TIMEOUT_S INTERVAL_S WHAT CMD...: polls CMD until it succeeds;
# fails the step if the daemon dies or TIMEOUT_S (whole seconds) passes.
wait_until() {
	local timeout=$1 interval=$2 what=$3
	shift 3
	local deadline=$((${EPOCHREALTIME/./} + timeout * 1000000))
	until "$@"; do
		daemon_alive || fail "daemon exited while waiting for $what"
		((${EPOCHREALTIME/./} <= deadline)) || fail "not true after ${timeout}s: $what"
		snooze "$interval"
	done
}

start_daemon() {
	"$BIN" run --config "$CFG" >>"$LOG" 2>&1 &
	DAEMON_PID=$!
}

# stop_daemon: SIGTERM (the daemon then stops its agents), SIGKILL after 30 s.
stop_daemon() {
	[[ -n $DAEMON_PID ]] || return 0
	kill -TERM "$DAEMON_PID" 2>/dev/null || true
	local i
	for ((i = 0; i < 300; i++)); do
		daemon_alive || break
		snooze 0.1
	done
	if daemon_alive; then
		echo "bench: daemon still running 30 s after SIGTERM, sending SIGKILL" >&2
		kill -KILL "$DAEMON_PID" 2>/dev/null || true
	fi
	local rc=0
	wait "$DAEMON_PID" 2>/dev/null || rc=$?
	DAEMON_PID=""
	return "$rc"
}

# kill_leftover_agents: if the daemon could not stop its agents (it was
# SIGKILLed or crashed), end them by pid: they are the processes whose
# working dir is one of our agent dirs.
kill_leftover_agents() {
	local p cwd
	for p in /proc/[0-9]*; do
		cwd=$(readlink "$p/cwd" 2>/dev/null) || continue
		if [[ $cwd == "$STATE/agents/"* ]]; then
			kill -KILL "${p#/proc/}" 2>/dev/null || true
		fi
	done
	# Empty cgroup dirs the daemon may have left under our own parent.
	local d
	for d in /sys/fs/cgroup/"$CGROUP_PARENT" /sys/fs/cgroup/*/"$CGROUP_PARENT"; do
		[[ -d $d ]] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
}

# status_json prints the daemon's status document (fails if none answers).
status_json() { "$BIN" status --json --config "$CFG" 2>/dev/null; }

# running_count prints how many agents status shows as running.
running_count() { status_json | awk '{n += gsub(/"status": *"running"/, "")} END {print n + 0}'; }

has_running() { [[ $(running_count) -ge $1 ]]; }

# agent_table prints "name status pid" per agent of the status document on
# stdin, sorted by name. It relies on the document's field order (name,
# status, pid in each agent; events and jobs have neither name nor pid).
agent_table() {
	awk -F'"' '
		$2 == "name" { name = $4 }
		$2 == "status" { st = $4 }
		$2 == "pid" { pid = $3; gsub(/[^0-9]/, "", pid); print name, st, pid }' | sort
}

# proc_ticks PID: utime+stime of the process (not of its waited children).
# The fields are counted after the last ')' because comm may hold spaces.
proc_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }

# proc_status PID KEY: the number after "KEY:" in /proc/PID/status.
proc_status() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# write_idle_agents N: desired files for N agents running `sleep 1000`.
write_idle_agents() {
	local i name
	for ((i = 1; i <= $1; i++)); do
		printf -v name 'idle-%03d' "$i"
		printf 'name: %s\ncommand: ["sleep", "1000"]\n' "$name" >"$DESIRED/$name.yaml"
	done
}

# cpu_window SECONDS PID...: sleeps SECONDS and sets CPU_TICKS (one entry
# per PID: CPU ticks each used meanwhile), CPU_WALL (seconds elapsed) and
# CLK_TCK. Nothing of ours must talk to the daemon during the window: a
# status call would be counted as daemon CPU.
cpu_window() {
	local secs=$1 p w0 w1
	shift
	CLK_TCK=$(getconf CLK_TCK)
	local -a t0=()
	for p in "$@"; do t0+=("$(proc_ticks "$p")"); done
	w0=$EPOCHREALTIME
	snooze "$secs" # a builtin wait: a TERM to the script is handled at once
	w1=$EPOCHREALTIME
	CPU_TICKS=()
	local i=0
	for p in "$@"; do
		pid_alive "$p" || fail "process $p exited during the ${secs}s window"
		CPU_TICKS+=($(($(proc_ticks "$p") - t0[i])))
		i=$((i + 1))
	done
	CPU_WALL=$(awk -v a="$w0" -v b="$w1" 'BEGIN {printf "%.3f", b - a}')
}

# cpu_percent TICKS: percent of one core over the last cpu_window.
cpu_percent() { awk -v d="$1" -v clk="$CLK_TCK" -v w="$CPU_WALL" 'BEGIN {printf "%.3f", 100 * d / clk / w}'; }

# host_header TITLE: what was measured, on which machine.
host_header() {
	local cpu
	cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
	echo "# $1: $("$BIN" version 2>/dev/null || echo '?')"
	# cgroup v1 hosts start agents through a re-exec helper and pay for
	# moving it into the agent's cgroup: it matters for the latencies.
	local cg=v1
	[[ $(stat -fc %T /sys/fs/cgroup 2>/dev/null) == cgroup2fs ]] && cg=v2
	echo "# host: nproc=$(nproc), kernel $(uname -r), cgroup $cg, cpu: ${cpu:-unknown}"
	loadavg start
}

# loadavg WHEN: other work on the host skews every figure; say how much.
loadavg() { echo "# load average (1/5/15 min) at $1: $(cut -d' ' -f1-3 /proc/loadavg)"; }

# start_server runs $SERVER_BIN serve on a fresh database in $WORK (HTTPS
# with the CA it makes there, open enrollment) and sets SERVER_PID and
# SERVER_URL once it wrote its address.
start_server() {
	STEP="bootserver start"
	"$SERVER_BIN" serve --open-enrollment --listen 127.0.0.1:0 --db "$WORK/server.db" --addr-file "$WORK/addr" 2>"$SERVER_LOG" &
	SERVER_PID=$!
	local deadline=$((${EPOCHREALTIME/./} + 10 * 1000000))
	until [[ -s $WORK/addr ]]; do
		pid_alive "$SERVER_PID" || { cat "$SERVER_LOG" >&2; fail "bootserver exited"; }
		((${EPOCHREALTIME/./} <= deadline)) || fail "bootserver wrote no address in 10 s"
		snooze 0.05
	done
	local addr
	read -r addr <"$WORK/addr"
	SERVER_URL=https://$addr
}

# stop_server stops the bootserver of $SERVER_PID (bench-server-idle.sh,
# bench-selfupgrade.sh): TERM, then KILL after 10 s.
stop_server() {
	[[ -n $SERVER_PID ]] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	local i
	for ((i = 0; i < 100; i++)); do
		pid_alive "$SERVER_PID" || break
		snooze 0.1
	done
	pid_alive "$SERVER_PID" && kill -KILL "$SERVER_PID" 2>/dev/null
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=""
}

# cleanup_with_server runs at exit: the daemon, leftover agents, the server
# and $WORK go, and the exit code stays the script's.
cleanup_with_server() {
	local rc=$?
	trap - EXIT INT TERM
	stop_daemon || true
	kill_leftover_agents
	stop_server
	[[ -n $SNOOZE_FD ]] && exec {SNOOZE_FD}<&-
	rm -rf "$WORK"
	exit "$rc"
}

# with_server_cleanup installs cleanup_with_server and names the step an
# interrupt or a TERM came in.
with_server_cleanup() {
	trap cleanup_with_server EXIT
	trap 'echo "bench: interrupted in step $STEP" >&2; exit 130' INT
	trap 'echo "bench: terminated in step $STEP" >&2; exit 143' TERM
}
