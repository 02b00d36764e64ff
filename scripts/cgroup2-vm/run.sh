#!/usr/bin/env bash
# make test-cgroup2: the cgroup tests and scenarios on a real cgroup v2
# kernel. This host (and many CI machines) mounts v1 controllers, so the
# v2 code would otherwise never run: we boot Debian's own kernel in QEMU
# (KVM when /dev/kvm is usable, TCG otherwise) with a busybox-static
# initramfs holding the project's static test binaries, mount a pure v2
# hierarchy there and run the lines of ./tests (guest.sh). The verdict
# comes back as a nonce-tagged line on the serial console; no line, a
# FAIL line or the timeout is a failure.
#
# Without qemu, busybox-static, cpio or a kernel package from apt it skips
# with the reason (exit 0), or fails under BOOTAGENT_REQUIRE_TOOLS=1 (CI,
# after `make deps`).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
GO=${GO:-go}
cache=${CGROUP2_VM_CACHE:-$($GO env GOCACHE)/../bootagent-cgroup2-vm}
vm_timeout=${CGROUP2_VM_TIMEOUT:-}   # whole VM run, seconds (default below)

skip() {
	if [ "${BOOTAGENT_REQUIRE_TOOLS:-}" = 1 ]; then
		echo "test-cgroup2: FAIL: $* (BOOTAGENT_REQUIRE_TOOLS=1; make deps installs it)" >&2
		exit 1
	fi
	echo "test-cgroup2: SKIP: $* (make deps installs it; BOOTAGENT_REQUIRE_TOOLS=1 fails instead)"
	exit 0
}

for tool in qemu-system-x86_64 cpio apt-get apt-cache dpkg-deb; do
	command -v "$tool" >/dev/null || skip "$tool not found (apt-get install qemu-system-x86 cpio)"
done
busybox=/bin/busybox
[ -x "$busybox" ] || skip "no $busybox (apt-get install busybox-static)"
"$busybox" --list 2>/dev/null | grep -qx poweroff || skip "$busybox is not busybox-static (apt-get install busybox-static)"
ldd "$busybox" >/dev/null 2>&1 && skip "$busybox is dynamically linked (apt-get install busybox-static)"

# The kernel: whatever Debian's linux-image-amd64 points at now (the ABI
# number moves with security updates, and old ones leave the mirror), cached.
mkdir -p "$cache"
kpkg=${CGROUP2_VM_KERNEL_PKG:-$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')}
[ -n "$kpkg" ] || skip "apt knows no linux-image-amd64 (apt-get update?)"
kver=${kpkg#linux-image-}
vmlinuz="$cache/vmlinuz-$kver"
if [ ! -s "$vmlinuz" ]; then
	echo "test-cgroup2: fetching $kpkg into $cache"
	(cd "$cache" && rm -f "$kpkg"_*.deb && apt-get download "$kpkg" >/dev/null 2>&1) || skip "apt-get download $kpkg failed"
	deb=$(ls "$cache/$kpkg"_*.deb | head -1)
	# Only the kernel image: the tests need no module (cgroups, tmpfs,
	# the serial console and an initramfs are built in).
	dpkg-deb --fsys-tarfile "$deb" | tar -xO "./boot/vmlinuz-$kver" > "$vmlinuz.tmp"
	mv "$vmlinuz.tmp" "$vmlinuz"
	rm -f "$deb"
fi

# KVM when /dev/kvm is there and really boots a guest (nested KVM on
# some hosts opens fine and then hangs in the kernel's early boot: see
# boot below), TCG otherwise; deadlines are scaled for the slower one.
kvm=no
if [ -r /dev/kvm ] && [ -w /dev/kvm ] && [ "${CGROUP2_VM_ACCEL:-}" != tcg ]; then kvm=yes; fi
tcg_scale=${BOOTAGENT_TEST_SCALE:-6}
[ -n "$vm_timeout" ] || vm_timeout=1800

work=$(mktemp -d "${TMPDIR:-/tmp}/cgroup2-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
ird=$work/initramfs
mkdir -p "$ird"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,root,etc,cg2/pkg}
cp "$busybox" "$ird/bin/busybox"
for a in $("$busybox" --list); do
	[ -e "$ird/bin/$a" ] || ln -s busybox "$ird/bin/$a"
done
ln -s bin/busybox "$ird/init"
# busybox init: run the tests as the sysinit step, then power off. (PID 1
# stays init, which reaps orphans such as the double-forked test trees.)
printf '::sysinit:/cg2/guest.sh\n' > "$ird/etc/inittab"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$ird/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$ird/etc/group"
cp "$here/guest.sh" "$ird/cg2/guest.sh"
grep -v '^#' "$here/tests" | grep -v '^[[:space:]]*$' > "$ird/cg2/tests"
head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$ird/cg2/nonce"
echo "$(( vm_timeout / 2 ))s" > "$ird/cg2/timeout"

# Static test binaries of every package the list names, run from a copy
# of the package directory's testdata.
build_start=$(date +%s)
for pkg in $(awk '{print $1}' "$ird/cg2/tests" | sort -u); do
	mkdir -p "$ird/cg2/pkg/$pkg"
	(cd "$root" && CGO_ENABLED=0 $GO test -c -o "$ird/cg2/pkg/$pkg/$pkg.test" "./$pkg")
	if [ -d "$root/$pkg/testdata" ]; then cp -r "$root/$pkg/testdata" "$ird/cg2/pkg/$pkg/"; fi
done
(cd "$root" && CGO_ENABLED=0 $GO build -o "$ird/usr/bin/bootagent" ./cmd/bootagent)
(cd "$ird" && find . | cpio -o -H newc --quiet | gzip -1 > "$work/initrd.gz")
echo "test-cgroup2: built binaries and initramfs ($(du -h "$work/initrd.gz" | cut -f1)) in $(( $(date +%s) - build_start )) s"

nonce=$(cat "$ird/cg2/nonce")
log=$work/console.log

# boot ACCEL CPU SCALE: starts the VM in the background, console in $log.
# The test scale goes in the initramfs's last file, appended per boot.
boot() {
	echo "$3" > "$work/scale"
	(cd "$work" && mkdir -p s/cg2 && cp scale s/cg2/scale && cd s && echo cg2/scale | cpio -o -H newc --quiet | gzip -1) > "$work/scale.gz"
	cat "$work/initrd.gz" "$work/scale.gz" > "$work/initrd-boot.gz"
	: > "$log"
	timeout --kill-after=10 "$vm_timeout" qemu-system-x86_64 -accel "$1" -cpu "$2" -smp 2 -m 2048 \
		-nographic -no-reboot -nodefaults -serial stdio -display none \
		-kernel "$vmlinuz" -initrd "$work/initrd-boot.gz" \
		-append "console=ttyS0 panic=-1 quiet loglevel=3 rdinit=/init" </dev/null >"$log" 2>&1 &
	qpid=$!
	boot_start=$(date +%s)
}

accel=tcg
if [ $kvm = yes ]; then
	boot kvm host,-arch-capabilities 2
	for _ in $(seq 300); do
		grep -aq 'cg2vm: booted' "$log" && break
		kill -0 $qpid 2>/dev/null || break
		sleep 0.1
	done
	if grep -aq 'cg2vm: booted' "$log"; then
		accel=kvm
	else
		echo "test-cgroup2: KVM did not boot the guest within 30 s ($(tr -d '\r' < "$log" | grep -a . | tail -1)); using TCG"
		kill $qpid 2>/dev/null || true
		wait $qpid 2>/dev/null || true
	fi
fi
if [ $accel = tcg ]; then boot tcg max "$tcg_scale"; fi
echo "test-cgroup2: booting $kpkg with $accel (timeout ${vm_timeout}s)"
tail -n +1 -f --pid=$qpid "$log" &
set +e
wait $qpid
qemu_rc=$?
set -e
sleep 0.2 # let tail print the last lines
echo "test-cgroup2: VM ran $(( $(date +%s) - boot_start )) s (qemu exit $qemu_rc)"
if [ -n "${CGROUP2_VM_LOG:-}" ]; then cp "$log" "$CGROUP2_VM_LOG"; fi
grep -a "^cg2vm: --- FAIL" "$log" || true
if grep -aq "cg2vm-result $nonce PASS" "$log"; then
	echo "test-cgroup2: PASS"
	exit 0
fi
if [ "$qemu_rc" = 124 ]; then echo "test-cgroup2: FAIL: the VM did not finish within ${vm_timeout}s" >&2
elif ! grep -aq "cg2vm-result $nonce" "$log"; then echo "test-cgroup2: FAIL: no result line from the VM (qemu exit $qemu_rc)" >&2
else echo "test-cgroup2: FAIL" >&2; fi
exit 1
