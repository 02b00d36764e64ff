#!/bin/sh
# The demo sub-agent: says hello every 5 seconds (see .run/state/logs/demo.log).
while :; do
  echo "$GREETING — $(date +%T)"
  sleep 5
done
