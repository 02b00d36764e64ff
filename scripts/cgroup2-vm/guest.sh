#!/bin/sh
# Runs inside the VM as busybox init's sysinit step (PID 1 stays busybox
# init, which reaps the orphans the tests make). Mounts a pure cgroup v2
# hierarchy, runs every line of /cg2/tests twice — once with the test (and
# so the daemon) at the root cgroup, once nested the way systemd runs a
# service with Delegate=yes — and prints one result line carrying the
# nonce the host put in /cg2/nonce, which no test output can forge. Then
# it powers the VM off.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TMPDIR=/tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs -o size=75% tmp /tmp
mount -t cgroup2 none /sys/fs/cgroup
ip link set lo up
CG=/sys/fs/cgroup
nonce=$(cat /cg2/nonce)
echo "cg2vm: booted in $(cut -d' ' -f1 /proc/uptime) s; kernel $(uname -r); controllers: $(cat $CG/cgroup.controllers)"

export BOOTAGENT_REQUIRE_CGROUPS=1 BOOTAGENT_REQUIRE_TOOLS=1
export BOOTAGENT_TEST_SCALE=$(cat /cg2/scale)
timeout=$(cat /cg2/timeout)
failed=0
ran=0

# run MODE PKG PATTERN: the package's test binary from its directory (for
# testdata/), with a timeout of its own so one hung test still lets the
# others and the result line out.
run() {
	mode=$1 pkg=$2 pattern=$3
	echo "cg2vm: === $mode: $pkg -test.run '$pattern'"
	ran=$((ran + 1))
	if (cd /cg2/pkg/$pkg && case $mode in
		root) exec ./$pkg.test -test.v -test.count=1 -test.timeout "$timeout" -test.run "$pattern" ;;
		nested)
			if [ "$pkg" = testscripts ]; then
				# The scripts' daemons are started as services by the
				# `daemon` command (testscripts/service_cgroup.go).
				BOOTAGENT_TEST_SERVICE_SLICE=$CG/system.slice exec ./$pkg.test -test.v -test.count=1 -test.timeout "$timeout" -test.run "$pattern"
			fi
			# The test process is the daemon: alone in its service cgroup.
			svc=$CG/system.slice/bootagent-$pkg.service
			mkdir -p $svc
			sh -c 'echo $$ > '$svc'/cgroup.procs && exec "$@"' sh ./$pkg.test -test.v -test.count=1 -test.timeout "$timeout" -test.run "$pattern" ;;
	esac); then
		echo "cg2vm: --- PASS $mode: $pkg"
	else
		echo "cg2vm: --- FAIL $mode: $pkg"
		failed=$((failed + 1))
	fi
}

for mode in root nested; do
	if [ $mode = nested ]; then
		# What systemd sets up for a Delegate=yes service: controllers
		# enabled from the root down to system.slice.
		mkdir -p $CG/system.slice
		echo "+cpu +memory +pids +io" > $CG/cgroup.subtree_control
		echo "+cpu +memory +pids +io" > $CG/system.slice/cgroup.subtree_control
	fi
	grep -v '^#' /cg2/tests | while read -r pkg pattern; do
		[ -n "$pkg" ] || continue
		echo "$pkg $pattern"
	done > /tmp/cg2-lines
	ls $CG > /tmp/cg2-before
	while read -r pkg pattern; do
		run $mode "$pkg" "$pattern"
	done < /tmp/cg2-lines
	if [ $mode = nested ]; then
		# Nested, nothing may appear beside system.slice: agents'
		# cgroups belong beneath the services' own (SPEC §5).
		outside=$(ls $CG | grep -vxF -f /tmp/cg2-before | grep -vx system.slice || true)
		if [ -n "$outside" ]; then
			echo "cg2vm: --- FAIL nested: cgroups created outside the service cgroups: $outside"
			failed=$((failed + 1))
		fi
		echo "cg2vm: nested layout: $(cd $CG/system.slice && find . -mindepth 1 -maxdepth 3 -type d | sort | tr '\n' ' ')"
	fi
done

if [ $failed -eq 0 ] && [ $ran -gt 0 ]; then
	echo "cg2vm-result $nonce PASS ran=$ran"
else
	echo "cg2vm-result $nonce FAIL failed=$failed ran=$ran"
fi
sync
poweroff -f
