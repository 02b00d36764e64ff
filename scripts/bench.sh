#!/usr/bin/env bash
# Whole-process benchmarks of the bootagent daemon (run by `make bench`
# after the Go benchmarks). Each figure is printed on its own line as
#
#   name: value unit   (target ..., extra context)
#
# so that `grep '^idle_cpu_percent_100_agents:'` finds it. Header lines start
# with '#'. Steps, all on one daemon (the later ones run beside the 100 idle
# agents, as on a real host):
#   1. idle:    100 agents running `sleep 1000`; daemon CPU over 60 s, RSS, threads
#   2. drop:    desired file moved into desired_dir -> agent process running, 30 times
#   3. restart: crash -> next process with restart delay 0, ~50 restarts
# A failed step (daemon died, deadline passed) prints an error naming the
# step, the daemon log's last lines, and exits non-zero. Everything lives in
# a mktemp dir removed on exit; the daemon always gets SIGTERM on exit.
set -euo pipefail
export LC_ALL=C # $EPOCHREALTIME and awk must agree on '.' as decimal point

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BOOTAGENT_BIN:-$ROOT/bin/bootagent}

IDLE_AGENTS=100
IDLE_SECONDS=${BENCH_IDLE_SECONDS:-60} # shorter only to try the script out
DROPS=30
RESTARTS=50

WORK=$(mktemp -d "${TMPDIR:-/tmp}/bootagent-bench.XXXXXX")
CFG=$WORK/bootagent.yaml
STATE=$WORK/state
DESIRED=$WORK/agents.d
STAGING=$WORK/staging # same filesystem as DESIRED, so mv is an atomic rename
LOG=$WORK/daemon.log
# A cgroup parent of our own: never touch the cgroups of a daemon someone
# else runs on this host (tests run concurrently).
CGROUP_PARENT=bootagent-bench-$$
DAEMON_PID=""
STEP=setup
SNOOZE_FD=""

# --- plumbing -------------------------------------------------------------

# fail names the step, shows why the daemon may have given up, and exits.
fail() {
	echo "bench: FAILED in step '$STEP': $*" >&2
	if [[ -s $LOG ]]; then
		echo "bench: last lines of the daemon log ($LOG):" >&2
		tail -n 25 "$LOG" | sed 's/^/  | /' >&2
	fi
	exit 1
}

# The poll loops below fork nothing (builtins only): the latency steps poll
# every few ms, and hundreds of forks a second would steal CPU from the
# daemon being measured on a small machine.

# snooze SECONDS sleeps: a read on a FIFO nobody writes times out.
snooze() { read -r -t "$1" -u "$SNOOZE_FD" _ || true; }

# daemon_alive: the process exists and is not a zombie. The state is the
# field after the last ')' (the command name may hold spaces).
daemon_alive() {
	[[ -n $DAEMON_PID ]] || return 1
	local line
	read -r line 2>/dev/null <"/proc/$DAEMON_PID/stat" || return 1
	line=${line##*) }
	[[ ${line%% *} != Z ]]
}

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

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_daemon || true
	kill_leftover_agents
	[[ -n $SNOOZE_FD ]] && exec {SNOOZE_FD}<&-
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
# Explicit exits on signals, so that cleanup runs on Ctrl-C / kill too.
trap 'echo "bench: interrupted in step $STEP" >&2; exit 130' INT
trap 'echo "bench: terminated in step $STEP" >&2; exit 143' TERM

# status_json prints the daemon's status document (fails if none answers).
status_json() { "$BIN" status --json --config "$CFG" 2>/dev/null; }

# running_count prints how many agents status shows as running.
running_count() { status_json | awk '{n += gsub(/"status": *"running"/, "")} END {print n + 0}'; }

has_running() { [[ $(running_count) -ge $1 ]]; }

# has_lines FILE N: FILE exists and has at least N lines (mapfile: no fork).
has_lines() {
	[[ -f $1 ]] || return 1
	local l
	mapfile -t l <"$1"
	((${#l[@]} >= $2))
}

# proc_ticks PID: utime+stime of the process (not of its waited children).
# The fields are counted after the last ')' because comm may hold spaces.
proc_ticks() { awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }

# proc_status PID KEY: the number after "KEY:" in /proc/PID/status.
proc_status() { awk -v k="$2:" '$1 == k {print $2}' "/proc/$1/status"; }

# drop_desired NAME: moves $STAGING/NAME.yaml into desired_dir atomically
# (the daemon never sees a half-written file).
drop_desired() { mv "$STAGING/$1.yaml" "$DESIRED/$1.yaml"; }

# stats NAME TARGET: reads one latency in ms per line on stdin; prints
# median and p90 (nearest rank) with the target for context.
stats() {
	sort -n | awk -v name="$1" -v target="$2" '
		{ v[NR] = $1 }
		END {
			if (NR == 0) { print name ": no samples" > "/dev/stderr"; exit 1 }
			med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			r = int(0.9 * NR); if (r < 0.9 * NR) r++
			printf "%s_median_ms: %.1f ms   (target <= %s ms, n=%d, min %.1f, max %.1f)\n", name, med, target, NR, v[1], v[NR]
			printf "%s_p90_ms: %.1f ms\n", name, v[r]
		}'
}

# --- setup ----------------------------------------------------------------

setup() {
	[[ -x $BIN ]] || fail "no binary at $BIN: run 'make build' first"
	mkdir -p "$DESIRED" "$STAGING"
	mkfifo "$WORK/snooze"
	exec {SNOOZE_FD}<>"$WORK/snooze"
	# Relative paths resolve against the config file's dir. Step 3 sets its
	# own restart policy in its desired file.
	cat >"$CFG" <<-EOF
		state_dir: state
		desired_dir: agents.d
		cgroup_parent: $CGROUP_PARENT
		restart: {delay: 1s, window: 1m, max_failures: 3}
		stop_grace: 2s
	EOF
}

header() {
	local cpu
	cpu=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null || true)
	echo "# bootagent whole-process benchmarks: $("$BIN" version 2>/dev/null || echo '?')"
	# cgroup v1 hosts start agents through a re-exec helper and pay for
	# moving it into the agent's cgroup: it matters for the latencies.
	local cg=v1
	[[ $(stat -fc %T /sys/fs/cgroup 2>/dev/null) == cgroup2fs ]] && cg=v2
	echo "# host: nproc=$(nproc), kernel $(uname -r), cgroup $cg, cpu: ${cpu:-unknown}"
	loadavg start
}

# loadavg WHEN: other work on the host skews every figure; say how much.
loadavg() { echo "# load average (1/5/15 min) at $1: $(cut -d' ' -f1-3 /proc/loadavg)"; }

# --- step 1: idle daemon with 100 agents ----------------------------------

bench_idle() {
	STEP="idle ($IDLE_AGENTS agents)"
	local i name
	for ((i = 1; i <= IDLE_AGENTS; i++)); do
		printf -v name 'idle-%03d' "$i"
		printf 'name: %s\ncommand: ["sleep", "1000"]\n' "$name" >"$DESIRED/$name.yaml"
	done
	start_daemon
	wait_until 60 0.2 "$IDLE_AGENTS agents running in status" has_running "$IDLE_AGENTS"

	# Nothing of ours talks to the daemon during the window: a status call
	# would be counted as daemon CPU.
	local clk t0 w0 t1 w1
	clk=$(getconf CLK_TCK)
	t0=$(proc_ticks "$DAEMON_PID")
	w0=$EPOCHREALTIME
	snooze "$IDLE_SECONDS" # a builtin wait: a TERM to this script is handled at once
	daemon_alive || fail "daemon exited during the ${IDLE_SECONDS}s idle window"
	t1=$(proc_ticks "$DAEMON_PID")
	w1=$EPOCHREALTIME
	local rss_kb anon_kb file_kb threads
	rss_kb=$(proc_status "$DAEMON_PID" VmRSS)
	anon_kb=$(proc_status "$DAEMON_PID" RssAnon) # heap, stacks
	file_kb=$(proc_status "$DAEMON_PID" RssFile) # mapped binary and libc pages
	threads=$(proc_status "$DAEMON_PID" Threads)
	has_running "$IDLE_AGENTS" || fail "fewer than $IDLE_AGENTS agents running after the idle window"

	awk -v d=$((t1 - t0)) -v clk="$clk" -v w0="$w0" -v w1="$w1" -v n="$IDLE_AGENTS" 'BEGIN {
		printf "idle_cpu_percent_%d_agents: %.3f %%   (target <= 0.5 %%, %d ticks of 1/%d s over %.1f s)\n",
			n, 100 * d / clk / (w1 - w0), d, clk, w1 - w0 }'
	awk -v kb="$rss_kb" -v a="$anon_kb" -v f="$file_kb" -v n="$IDLE_AGENTS" 'BEGIN {
		printf "idle_rss_mib_%d_agents: %.1f MiB   (target <= 15 MiB; anon %.1f + file-backed %.1f)\n",
			n, kb / 1024, a / 1024, f / 1024 }'
	echo "idle_threads_${IDLE_AGENTS}_agents: $threads threads   (should stay small, not grow with agents)"
}

# --- step 2: file dropped -> process running -------------------------------

bench_file_drop() {
	STEP="file drop -> running"
	local i name t_drop t_start started times=$WORK/drop.times
	: >"$times"
	for ((i = 1; i <= DROPS; i++)); do
		printf -v name 'drop-%02d' "$i"
		started=$STATE/agents/$name/started
		# The agent stamps its own start: bash's $EPOCHREALTIME needs no fork.
		# (Quoted heredoc: $EPOCHREALTIME is for the agent's bash, not ours.)
		{
			echo "name: $name"
			cat <<-'EOF'
				command: ["bash", "-c", "echo $EPOCHREALTIME > started; exec sleep 1000"]
			EOF
		} >"$STAGING/$name.yaml"
		t_drop=$EPOCHREALTIME
		drop_desired "$name"
		wait_until 10 0.005 "agent $name writes $started" test -s "$started"
		read -r t_start <"$started"
		echo "$t_drop $t_start" >>"$times"
	done
	awk '{ printf "%.3f\n", ($2 - $1) * 1000 }' "$times" | stats file_drop_to_running 100
	echo "threads_$((IDLE_AGENTS + DROPS))_agents: $(proc_status "$DAEMON_PID" Threads) threads"
}

# --- step 3: crash -> new process with delay 0 ------------------------------

bench_crash_restart() {
	STEP="crash -> restart (delay 0)"
	local name=crashy runs=$STATE/agents/crashy/runs
	local lines=$((2 * (RESTARTS + 1))) # one s and one e line per run
	# Each run stamps its start (s) and, just before exiting 1, its end (e).
	cat >"$STAGING/$name.yaml" <<-'EOF'
		name: crashy
		command: ["bash", "-c", "echo s $EPOCHREALTIME >> runs; echo e $EPOCHREALTIME >> runs; exit 1"]
		restart: {delay: 0s, window: 1h, max_failures: 1000}
	EOF
	drop_desired "$name"
	wait_until 30 0.02 "$RESTARTS restarts of $name ($lines lines in $runs)" \
		has_lines "$runs" "$lines"
	# Stop the crash loop so that it does not burn CPU until shutdown.
	rm -f "$DESIRED/$name.yaml"
	# latency = next run's start - previous run's end
	head -n "$lines" "$runs" | awk '
		$1 == "e" { e = $2 }
		$1 == "s" && e != "" { printf "%.3f\n", ($2 - e) * 1000; e = "" }' |
		stats crash_to_restart 20
}

# --- main -------------------------------------------------------------------

setup
header
bench_idle
bench_file_drop
bench_crash_restart
loadavg end
STEP=shutdown
stop_daemon || fail "daemon did not exit cleanly after SIGTERM (status $?)"
