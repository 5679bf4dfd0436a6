#!/usr/bin/env bash
# Runs `make` stages one after another and prints how long each took, so a slow CI run shows where
# its time went. Stops at the first stage that fails.
set -euo pipefail
timings=()
report() { printf '\nstage times:\n'; printf '  %s\n' "${timings[@]}"; }
for stage in "$@"; do
  start=$SECONDS
  if ! make --no-print-directory "$stage"; then
    timings+=("$stage $((SECONDS - start))s (failed)")
    report
    exit 1
  fi
  timings+=("$stage $((SECONDS - start))s")
done
report
