#!/usr/bin/env bash
# make run: bootserver and bootagent together in the foreground, state in
# .run/ (git-ignored). Ctrl-C stops both (and the demo sub-agents).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .run

# The demo package a bootserver job can install (README: server-driven use).
tar -C examples/demo-package -czf .run/demo-1.0.tar.gz agent.yaml run.sh
echo "SHA256:$(sha256sum .run/demo-1.0.tar.gz | cut -d' ' -f1)" > .run/demo-1.0.tar.gz.sha256

# Signed packages (SPEC §10): a development key pair, made once under .run
# (no password: a demo; a fleet's release key lives on a release machine,
# never on the server), signs the demo package; examples/bootagent.yaml
# trusts it (trusted_keys) and installs nothing unsigned. bin/minisign is
# the minisign tool built from the module the agent verifies with.
if [ ! -s .run/dev.key ] || [ ! -s .run/dev.pub ]; then
  rm -f .run/dev.key .run/dev.pub
  (umask 077 && bin/minisign -G -W -p .run/dev.pub -s .run/dev.key > /dev/null)
  chmod 644 .run/dev.pub
fi
bin/minisign -S -q -s .run/dev.key -t "demo 1.0, signed by make run" -m .run/demo-1.0.tar.gz

# The server's data directory is .run: its first start writes the admin
# token the CLI needs to .run/admin.token (0600), and the CA (.run/ca.pem,
# key .run/ca.key 0600) with the server certificate it serves HTTPS with;
# examples/bootagent.yaml trusts that CA (server_ca).
bin/bootserver serve --listen 127.0.0.1:8600 --db .run/bootserver.db --data-dir .run 2>> .run/bootserver.log &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  if bin/bootserver hosts --server https://127.0.0.1:8600 --data-dir .run >/dev/null 2>&1; then break; fi
  if ! kill -0 $server 2>/dev/null; then
    echo "bootserver did not start; see .run/bootserver.log" >&2
    exit 1
  fi
  sleep 0.1
done

# Enrollment (SPEC §10): the server refuses hosts without a token. Mint a
# one-use token for this host unless it already holds its credential from
# an earlier run; examples/bootagent.yaml reads it (enroll_token_file).
if [ ! -s .run/state/private/host-credential ]; then
  (umask 077 && bin/bootserver token create --server https://127.0.0.1:8600 --data-dir .run --ttl 1h --uses 1 \
    | awk '{print $NF}' > .run/enroll.token)
fi

cat <<MSG
bootserver listening on https://127.0.0.1:8600 (log: .run/bootserver.log, CA: .run/ca.pem)
bootagent starting with examples/bootagent.yaml (Ctrl-C stops both)
Web UI: https://127.0.0.1:8600/ — sign in with the admin token in .run/admin.token
  (the browser warns about the server's own CA: trust .run/ca.pem, or accept the warning on this machine)
From another terminal:
  export BOOTSERVER_DATA_DIR=$PWD/.run    # where the CLI finds admin.token and ca.pem
  bin/bootagent status --config examples/bootagent.yaml
  bin/bootserver hosts
  bin/bootserver job add --host $(hostname) --action install --name demo \\
      --url file://$PWD/.run/demo-1.0.tar.gz --checksum $(cat .run/demo-1.0.tar.gz.sha256)
  bin/bootserver jobs                            # the install runs once its signature (.minisig) checks out
  bin/bootserver token create --uses 1 --ttl 24h   # a token for another host (enroll_token_file)
  bin/bootserver token list
  bin/bootserver host revoke $(hostname)           # its credential fails at once; queued jobs cancelled
MSG
bin/bootagent run --config examples/bootagent.yaml
