# BootAgent — the two commands of the README are `make run` and `make test`.
GO      ?= go
# Static binaries: no libc mapped into the daemon (smaller RSS), runnable on
# any Linux. Users and groups then come from /etc/passwd and /etc/group
# (Go's own parser), not from NSS modules such as LDAP. (Tests keep cgo:
# the race detector needs it.)
STATIC  := CGO_ENABLED=0
BIN     := bin
RUNDIR  := .run

.PHONY: all build run test test-cgroup2 deps bench-deps bench fuzz soak lint clean package

all: build

build:
	$(STATIC) $(GO) build -o $(BIN)/bootagent ./cmd/bootagent
	$(STATIC) $(GO) build -o $(BIN)/bootserver ./cmd/bootserver
	$(STATIC) $(GO) build -o $(BIN)/bootload ./cmd/bootload
	$(STATIC) $(GO) build -o $(BIN)/minisign aead.dev/minisign/cmd/minisign

# Runs bootserver and bootagent together in the foreground on the examples:
# state under .run/ (git-ignored), desired files from examples/agents.d.
# Ctrl-C stops both and the sub-agents.
run: build
	./scripts/run.sh

# Every test: unit tests and the testscript scenarios, with the race detector.
test: lint
	$(GO) test -race -count=1 -timeout 9m ./...
	# rpm/deb decoding again as `make build` compiles it (no cgo: go-rpmutils
	# would pick another zstd; fetch pins pure-Go decoders, this checks it)
	$(STATIC) $(GO) test -count=1 -run 'SystemPackage|SystemMode' ./fetch

# The cgroup tests and scenarios on a real cgroup v2 kernel, at the root
# and nested as a systemd service: Debian's kernel booted in QEMU (KVM or
# TCG) with the static test binaries; the list is scripts/cgroup2-vm/tests.
# Skips without qemu/busybox-static/cpio/apt, fails then under
# BOOTAGENT_REQUIRE_TOOLS=1.
test-cgroup2:
	GO=$(GO) ./scripts/cgroup2-vm/run.sh

# System packages (Debian) that some tests need; without them those tests
# skip with the reason, except under BOOTAGENT_REQUIRE_TOOLS=1 (.ci/run),
# where they fail. One line per need, so each says why it is here.
DEPS_APT :=
DEPS_APT += qemu-system-x86 busybox-static cpio   # make test-cgroup2: a cgroup v2 VM on Debian's kernel (fetched with apt-get download)
DEPS_APT += chromium   # server/webui browser tests (chromedp drives headless Chromium)
DEPS_APT += rpm   # syspkg: system-mode rpm installs against throwaway roots; packaging: the .rpm read back and installed in one
DEPS_APT += systemd   # packaging tests: systemd-analyze verify on the units (systemd need not run)
DEPS_APT += postgresql   # internal/pgtest: a throwaway PostgreSQL cluster (initdb, pg_ctl) for the store tests against PostgreSQL (issue 15)
deps:
	@if [ -z "$(strip $(DEPS_APT))" ]; then echo "deps: nothing to install"; exit 0; fi; \
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEPS_APT)

# The peers `make bench` measures bootagent against (scripts/bench-peers.sh);
# no test needs them, so CI's `make deps` leaves them out.
BENCH_APT := s6 runit supervisor
bench-deps:
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(BENCH_APT)

# The .deb and .rpm of bootagent and bootserver (SPEC §14) in dist/, built
# with nfpm from packaging/'s one description. PKG_VERSION defaults to
# api.Version.
DIST        ?= dist
PKG_VERSION ?=
package: build
	$(GO) run ./cmd/bootpackage --bin $(BIN) --files packaging/files --out $(DIST) $(if $(PKG_VERSION),--version $(PKG_VERSION))

# Go benchmarks plus whole-process measurements; each figure on its own line.
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./reconcile/
	$(GO) test -run '^$$' -bench Start -benchtime 200x ./supervise/
	$(GO) test -run '^$$' -bench FetchInstall -benchtime 3x ./fetch/
	$(GO) test -run '^$$' -bench FetchReapply -benchtime 200x ./fetch/
	$(GO) test -run '^$$' -bench Outbox -benchtime 1x ./api/
	$(GO) test -run '^$$' -bench Pages -benchtime 20x ./server/webui/
	$(GO) test -run '^$$' -bench RolloutPreview -benchtime 10x ./server/webui/
	./scripts/bench.sh
	./scripts/bench-peers.sh
	./scripts/bench-server-idle.sh
	./scripts/bench-server.sh
	./scripts/bench-selfupgrade.sh
	$(GO) test -run '^$$' -bench RolloutCreate10k -benchtime 3x ./server/
	./scripts/bench-rollout.sh

# Native Go fuzzing, FUZZTIME per target (-fuzz takes one target per
# package invocation). `make test` already runs each target's seed corpus
# (testdata/fuzz/); this mutates it. A crash is written there as a new seed.
FUZZTIME    ?= 30s
FUZZFLAGS   ?= -parallel 2 -fuzzminimizetime 1000x
FUZZTARGETS := desired:FuzzParse desired:FuzzLoadConfig \
	api:FuzzDecodeStatusAnswer api:FuzzValidateJob api:FuzzDecodeRegisterAnswer \
	api:FuzzDecodeRecord jobs:FuzzOpenLedger api:FuzzOpenOutbox \
	fetch:FuzzUnpack fetch:FuzzUnpackRaw \
	server:FuzzRegisterBody server:FuzzStatusBody server:FuzzResultsBody \
	server:FuzzEventsBody server:FuzzAdminJobBody

fuzz:
	@set -e; for t in $(FUZZTARGETS); do \
		pkg=$${t%%:*}; fn=$${t#*:}; echo "== $$fn ./$$pkg"; \
		$(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) $(FUZZFLAGS) ./$$pkg; \
	done

# A few minutes (SOAK_SECONDS, default 180) of crash loops, upgrades, limit
# changes and server jobs while the daemon is SIGKILLed at random; prints
# the counts, exits 1 when a promise was broken. Needs root (cgroups).
soak: build
	$(GO) run ./cmd/bootsoak --bin $(BIN)

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf $(BIN) $(RUNDIR) $(DIST)
