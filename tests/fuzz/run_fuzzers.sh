#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz, a clang configuration of their own) and runs
# each for a bounded time from a copy of its seed corpus (tests/fuzz/corpus/<parser>),
# as many at once as there are cores. Fails when any fuzzer finds a crash, a hang, a leak
# or undefined behaviour; the input that did it is kept in ${FUZZ_OUT}/<fuzzer>/.
#   tests/fuzz/run_fuzzers.sh [SECONDS_EACH] [FUZZER...]     (default 30 s, every fuzzer)
# Longer runs, reproducing and minimising a finding: docs/fuzzing.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-30}
shift || true
BUILD_DIR=${FUZZ_BUILD_DIR:-build-fuzz}
out=${FUZZ_OUT:-$BUILD_DIR/findings}

cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DQRSWEEP_FUZZ=ON >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"

fuzzers=("$@")
if ((${#fuzzers[@]} == 0)); then
  for src in tests/fuzz/fuzz_*.cpp; do
    name=$(basename "$src" .cpp)
    fuzzers+=("${name#fuzz_}")
  done
fi

rm -rf "$out"
run_one() {
  local parser=$1 dir="$out/$1"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp -r "tests/fuzz/corpus/$parser/." "$dir/corpus/" 2>/dev/null || true
  local dict=()
  [ -f "tests/fuzz/$parser.dict" ] && dict=(-dict="tests/fuzz/$parser.dict")
  # -timeout: one input taking longer is a hang; -rss_limit_mb: a leak or runaway
  # allocation; -max_len bounds an input (the store's seeds are ~40 KiB).
  if "$BUILD_DIR/tests/fuzz/fuzz_$parser" "$dir/corpus" -max_total_time="$seconds" \
      -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
      -artifact_prefix="$dir/artifacts/" "${dict[@]}" >"$dir/log" 2>&1; then
    echo "fuzz_$parser: no finding in ${seconds} s ($(grep -m1 -o 'stat::number_of_executed_units: [0-9]*' "$dir/log" | grep -o '[0-9]*$') inputs)"
  else
    echo "fuzz_$parser: FINDING, see $dir/log and $dir/artifacts/:"
    grep -m3 -E 'ERROR|fuzz finding|runtime error|terminate' "$dir/log" || tail -n 20 "$dir/log"
    return 1
  fi
}

jobs=$(nproc)
failed=0
pids=()
for parser in "${fuzzers[@]}"; do
  run_one "$parser" &
  pids+=($!)
  if ((${#pids[@]} >= jobs)); then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
exit $failed
