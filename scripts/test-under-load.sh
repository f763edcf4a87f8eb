#!/usr/bin/env bash
# Runs the CI entry point (or any command) while CPU hogs keep the machine busy, the way a shared
# CI runner is: the suite must be green there too, since no test may depend on a time window.
#
#   scripts/test-under-load.sh                  # bash .ci/run beside two CPU hogs, once
#   scripts/test-under-load.sh --hogs 4 --runs 3
#   scripts/test-under-load.sh -- npx vitest run test/hub
#
# The hogs are stress-ng CPU workers (Debian's stress-ng, installed when missing); they are
# stopped when the script ends, however it ends. Exits with the first failing run's code.
set -euo pipefail
cd "$(dirname "$0")/.."
hogs=2
runs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --hogs) hogs=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "usage: $0 [--hogs N] [--runs K] [-- command...]" >&2; exit 2 ;;
  esac
done
[ $# -gt 0 ] || set -- bash .ci/run
if ! command -v stress-ng >/dev/null 2>&1; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends stress-ng >/dev/null
fi
stress-ng --cpu "$hogs" --quiet &
hog=$!
trap 'kill "$hog" 2>/dev/null || true; wait "$hog" 2>/dev/null || true' EXIT
for run in $(seq 1 "$runs"); do
  started=$(date +%s)
  echo "== run $run of $runs under $hogs CPU hog(s): $*"
  code=0
  "$@" || code=$?
  if [ "$code" -ne 0 ]; then
    echo "== run $run failed (exit $code) after $(( $(date +%s) - started )) s; load: $(cut -d' ' -f1-3 /proc/loadavg)"
    exit "$code"
  fi
  echo "== run $run passed in $(( $(date +%s) - started )) s; load: $(cut -d' ' -f1-3 /proc/loadavg)"
done
