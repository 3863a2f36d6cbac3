#!/usr/bin/env bash
# Builds the fuzz targets with clang (ASan + UBSan + libFuzzer) and runs each for a bounded time
# on a copy of its seed corpus in tests/fuzz/corpus/<target>. A crash fails the run and leaves the
# input in $ARTIFACTS; add it to the corpus as a regression case when fixing it.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${FUZZ_SECONDS:-30}"
build="${FUZZ_BUILD_DIR:-build-fuzz}"
artifacts="${ARTIFACTS:-$build/artifacts}"
CC=clang CXX=clang++ cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DX402GW_FUZZ=ON -DX402GW_BUILD_TESTS=OFF >/dev/null
targets=(payment_header request_target config facilitator_response raw_header proxy_protocol head_writer chunked_body settlement_override price_inputs meter request_head)
cmake --build "$build" -j "$(nproc)" --target "${targets[@]/#/fuzz_}"
mkdir -p "$artifacts"
for t in "${targets[@]}"; do
  work=$(mktemp -d)
  cp -r "tests/fuzz/corpus/$t/." "$work/"
  echo "== fuzz_$t for ${seconds}s"
  # Each target's own checks and the sanitizers abort on a bug; libFuzzer then exits non-zero.
  log="$artifacts/$t.log"
  status=0
  "$build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$artifacts/$t-" \
    -rss_limit_mb=2048 "$work" >"$log" 2>&1 || status=$?
  grep -E '^(Done [0-9]+ runs|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)' "$log" || true
  rm -rf "$work"
  if [ "$status" -ne 0 ]; then tail -40 "$log" >&2; echo "fuzz_$t failed (exit $status); inputs in $artifacts" >&2; exit 1; fi
done
echo "fuzzing: all targets ran ${seconds}s each without a finding"
echo "fuzz: ${#targets[@]} passed, 0 failed"
