#!/usr/bin/env bash
# Runs each libFuzzer target for a bounded time under ASan+UBSan, starting from its committed
# seed corpus (tests/fuzz/corpus/<name>). A crash, a failed property, a leak, a timeout or an
# out-of-memory fails the stage, and the input that caused it is kept and named. Reuses the
# tree of stage 30 when it exists (the library is not compiled again).
#
#   PBA_FUZZ_SECONDS   seconds per target (default 60)
#   PBA_FUZZ_TARGETS   the targets to run (default: every one built by tests/fuzz)
set -euo pipefail
source tools/ci/sanitizer-env.sh
jobs="${PBA_JOBS:-2}"
seconds="${PBA_FUZZ_SECONDS:-60}"
targets=(${PBA_FUZZ_TARGETS:-model_load capi_sequence trace_parse})

cmake -S . -B "$sanitize_dir" "${sanitizer_cmake_args[@]}" -DPBA_FUZZ=ON >/dev/null
cmake --build "$sanitize_dir" -j "$jobs" --target "${targets[@]/#/fuzz_}"

out="$sanitize_dir/fuzz-runs"
rm -rf "$out"
mkdir -p "$out"

# One target: new inputs go to a scratch corpus, never into the committed seeds. Its exit
# status is kept in a file, so targets can run in the background.
fuzz_one() {
  local name="$1" dir="$out/$1" status=0
  mkdir -p "$dir/corpus"
  "$sanitize_dir/tests/fuzz/fuzz_$name" "$dir/corpus" "tests/fuzz/corpus/$name" \
    -max_total_time="$seconds" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$dir/" >"$dir/log" 2>&1 || status=$?
  echo "$status" >"$dir/status"
}

# As many targets at once as there are jobs: each libFuzzer process uses one core.
running=0
for name in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n
    running=$((running - 1))
  fi
  fuzz_one "$name" &
  running=$((running + 1))
done
wait

failed=()
printf '%-16s %12s %10s %8s  %s\n' target executions exec/s corpus result
for name in "${targets[@]}"; do
  status=$(cat "$out/$name/status")
  log="$out/$name/log"
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  corpus=$(find "$out/$name/corpus" -type f | wc -l)
  if ((status == 0)); then result=ok; else result="FAILED (exit $status)"; failed+=("$name"); fi
  printf '%-16s %12s %10s %8s  %s\n' "$name" "${executions:-?}" "${rate:-?}" "$corpus" "$result"
done

for name in "${failed[@]}"; do
  echo "=== fuzz_$name failed; the end of its log ($out/$name/log):"
  tail -n 60 "$out/$name/log"
  for artifact in "$out/$name"/crash-* "$out/$name"/leak-* "$out/$name"/timeout-* "$out/$name"/oom-*; do
    [[ -e "$artifact" ]] && echo "reproduce: $sanitize_dir/tests/fuzz/fuzz_$name $artifact" &&
      echo "once fixed, keep it as tests/fuzz/corpus/$name/regression-<what it found>"
  done
done
((${#failed[@]} == 0))
