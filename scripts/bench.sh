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
#   2. adopt:   SIGKILL the daemon, start it again: time until status shows
#               the 100 agents running, and that they kept their pids, 5 times
#   3. drop:    desired file moved into desired_dir -> agent process running, 30 times
#   4. restart: crash -> next process with restart delay 0, ~50 restarts
# A failed step (daemon died, deadline passed) prints an error naming the
# step, the daemon log's last lines, and exits non-zero. Everything lives in
# a mktemp dir removed on exit; the daemon always gets SIGTERM on exit.
# The plumbing shared with bench-server-idle.sh is in bench-lib.sh.
set -euo pipefail
export LC_ALL=C # $EPOCHREALTIME and awk must agree on '.' as decimal point

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${BOOTAGENT_BIN:-$ROOT/bin/bootagent}

IDLE_AGENTS=100
IDLE_SECONDS=${BENCH_IDLE_SECONDS:-60} # shorter only to try the script out
ADOPTS=5 # SIGKILL + restart rounds
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

# shellcheck source=bench-lib.sh
source "$ROOT/scripts/bench-lib.sh"

# --- plumbing (the rest is in bench-lib.sh) ---------------------------------

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

# has_lines FILE N: FILE exists and has at least N lines (mapfile: no fork).
has_lines() {
	[[ -f $1 ]] || return 1
	local l
	mapfile -t l <"$1"
	((${#l[@]} >= $2))
}

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
	open_snooze
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

header() { host_header "bootagent whole-process benchmarks"; }

# --- step 1: idle daemon with 100 agents ----------------------------------

bench_idle() {
	STEP="idle ($IDLE_AGENTS agents)"
	write_idle_agents "$IDLE_AGENTS"
	start_daemon
	wait_until 60 0.2 "$IDLE_AGENTS agents running in status" has_running "$IDLE_AGENTS"

	cpu_window "$IDLE_SECONDS" "$DAEMON_PID"
	local rss_kb anon_kb file_kb threads
	rss_kb=$(proc_status "$DAEMON_PID" VmRSS)
	anon_kb=$(proc_status "$DAEMON_PID" RssAnon) # heap, stacks
	file_kb=$(proc_status "$DAEMON_PID" RssFile) # mapped binary and libc pages
	threads=$(proc_status "$DAEMON_PID" Threads)
	has_running "$IDLE_AGENTS" || fail "fewer than $IDLE_AGENTS agents running after the idle window"

	printf 'idle_cpu_percent_%d_agents: %s %%   (target <= 0.5 %%, %d ticks of 1/%d s over %.1f s)\n' \
		"$IDLE_AGENTS" "$(cpu_percent "${CPU_TICKS[0]}")" "${CPU_TICKS[0]}" "$CLK_TCK" "$CPU_WALL"
	awk -v kb="$rss_kb" -v a="$anon_kb" -v f="$file_kb" -v n="$IDLE_AGENTS" 'BEGIN {
		printf "idle_rss_mib_%d_agents: %.1f MiB   (target <= 15 MiB; anon %.1f + file-backed %.1f)\n",
			n, kb / 1024, a / 1024, f / 1024 }'
	echo "idle_threads_${IDLE_AGENTS}_agents: $threads threads   (should stay small, not grow with agents)"
}

# --- step 2: adoption of running agents at daemon start ----------------------

# The idle agents' "name status pid" lines before the daemon was first
# killed, and how many of them adopt_once found changed.
ADOPT_BEFORE=""
ADOPT_CHANGED=0

# pids_changed TABLE: how many of the agents in ADOPT_BEFORE are missing
# from the agent_table TABLE or have another pid there.
pids_changed() {
	local n=0 name st pid
	local -A now=()
	while read -r name st pid; do
		[[ -n $name ]] && now[$name]=$pid
	done <<<"$1"
	while read -r name st pid; do
		[[ ${now[$name]-} == "$pid" ]] || n=$((n + 1))
	done <<<"$ADOPT_BEFORE"
	echo "$n"
}

# adopt_once: SIGKILL the daemon, check its agents outlived it, start it
# again and append to $WORK/adopt.times the ms from exec until a status
# document shows all IDLE_AGENTS running.
adopt_once() {
	local name st pid
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null || true # reaped: its pid no longer counts as alive
	DAEMON_PID=""
	while read -r name st pid; do
		pid_alive "$pid" || fail "agent $name (pid $pid) died with its daemon"
	done <<<"$ADOPT_BEFORE"

	# Each poll is one `status` call, the only fork (the counting is done
	# with builtins). A call made before the new daemon listens fails at
	# once; one made after waits until it serves. The answer reflects some
	# instant during the call, so the call's end is an upper bound.
	local pattern='"status": "running"' json rest t0 t_end running
	local deadline=$((${EPOCHREALTIME/./} + 30 * 1000000))
	t0=$EPOCHREALTIME
	start_daemon
	while :; do
		json=$(status_json) || json=""
		t_end=$EPOCHREALTIME
		rest=${json//"$pattern"/}
		running=$(((${#json} - ${#rest}) / ${#pattern}))
		((running >= IDLE_AGENTS)) && break
		daemon_alive || fail "daemon exited while adopting"
		((${EPOCHREALTIME/./} <= deadline)) || fail "not all $IDLE_AGENTS agents running 30 s after the restart ($running are)"
		snooze 0.005
	done
	awk -v t0="$t0" -v e="$t_end" 'BEGIN {printf "%.1f\n", (e - t0) * 1000}' >>"$WORK/adopt.times"
	ADOPT_CHANGED=$(pids_changed "$(agent_table <<<"$json")")
}

bench_adopt() {
	STEP="adopt ($IDLE_AGENTS agents after SIGKILL)"
	local json name st pid n=0 i
	json=$(status_json) || fail "no status before the kill"
	ADOPT_BEFORE=$(agent_table <<<"$json")
	while read -r name st pid; do
		[[ $st == running && -n $pid ]] || fail "agent $name is $st (pid '$pid') before the kill"
		n=$((n + 1))
	done <<<"$ADOPT_BEFORE"
	((n == IDLE_AGENTS)) || fail "$n agents in status before the kill, want $IDLE_AGENTS"

	: >"$WORK/adopt.times"
	local changed=0
	for ((i = 1; i <= ADOPTS; i++)); do
		adopt_once
		((ADOPT_CHANGED > changed)) && changed=$ADOPT_CHANGED
	done
	# What one status call costs once the daemon has settled, for scale.
	local t1 t2
	t1=$EPOCHREALTIME
	status_json >/dev/null || fail "no status after the adoption"
	t2=$EPOCHREALTIME
	sort -n "$WORK/adopt.times" | awk -v n="$IDLE_AGENTS" -v t1="$t1" -v t2="$t2" -v rounds="$(tr '\n' ' ' <"$WORK/adopt.times")" '
		{ v[NR] = $1 }
		END {
			med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			sub(/ $/, "", rounds)
			printf "adopt_%d_agents_ms: %.1f ms   (target <= 200 ms; median of %d SIGKILL+restart rounds: %s; exec to the end of the first status call showing all %d running; one status call to the settled daemon takes %.1f ms)\n",
				n, med, NR, rounds, n, (t2 - t1) * 1000 }'
	echo "adopt_${IDLE_AGENTS}_agents_pids_changed: $changed agents   (of $IDLE_AGENTS, most in any of the $ADOPTS rounds; target 0: adopted, not restarted)"
}

# --- step 3: file dropped -> process running -------------------------------

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

# --- step 4: crash -> new process with delay 0 ------------------------------

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
bench_adopt
bench_file_drop
bench_crash_restart
# The adopted agents must still be the same processes after the other steps
# (a daemon could adopt them and later kill them as strays).
echo "# idle agents whose pid changed since before the adoption, after all steps: $(pids_changed "$(status_json | agent_table)")"
loadavg end
STEP=shutdown
stop_daemon || fail "daemon did not exit cleanly after SIGTERM (status $?)"
