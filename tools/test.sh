#!/usr/bin/env bash
# Builds pba and passes every test from scratch on a fresh Debian 12 machine: installs what
# it needs, then runs each stage in tools/ci/ in order (C++ and Python tests through CTest,
# the installed-tree consumers in C, C++ and Go, sanitizer builds, fuzzers). A failing
# stage stops the run with a non-zero status.
#
#   tools/test.sh            every stage
#   tools/test.sh 10 30      only the stages whose file names start with these numbers
set -euo pipefail
cd "$(dirname "$0")/.."

tools/install-deps.sh

export PBA_JOBS="${PBA_JOBS:-$(nproc)}"
stages=(tools/ci/[0-9][0-9]-*.sh)
for stage in "${stages[@]}"; do
  name="$(basename "$stage" .sh)"
  if (($#)); then
    wanted=false
    for n in "$@"; do [[ "$name" == "$n"-* ]] && wanted=true; done
    $wanted || continue
  fi
  echo "=== stage $name"
  start=$SECONDS
  bash "$stage"
  echo "=== stage $name passed in $((SECONDS - start)) s"
done
