#!/usr/bin/env bash
# The GPU check (shared/GPU.md), run from the repository root on the GPU machine: unpacks
# bench/deps/*.deb into a private prefix, builds Release for sm_90 against it, runs the GPU
# tests, compute-sanitizer on short CUDA training runs, and the kernel benchmark; writes a
# Markdown summary and raw logs into $OUT (else bench/results/<date>/), prints a table last.
# Keeps going after a failure. Exit: 0 all passed, 1 something failed, 3 no GPU (the build
# steps ran, the run steps were skipped).
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
T0=$(date +%s)
LIMIT_S=${QRSWEEP_CHECK_LIMIT_S:-470}  # the whole run ends by then (8 minutes, with margin)
STAMP=$(date -u +%Y-%m-%dT%H:%M:%SZ)
OUT_DIR=${OUT:-$ROOT/bench/results/gpu-check-$(date -u +%Y%m%dT%H%M%SZ)}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT_DIR"
# At most 8 files come back from $OUT: these seven and packed_bench.md.
BUILD_LOG=$OUT_DIR/build.log
TEST_LOG=$OUT_DIR/tests.log
SAN_LOG=$OUT_DIR/sanitizer.log
BENCH_LOG=$OUT_DIR/bench.log
SUMMARY=$OUT_DIR/summary.md
: >"$BUILD_LOG"; : >"$TEST_LOG"; : >"$SAN_LOG"; : >"$BENCH_LOG"

# ---- 1-2. Unpack bench/deps into the prefix, configure and build everything (gpu_build.sh:
# record, run, the paths DEPS, PREFIX, BUILD, ARCH, JOBS, FMNIST; BUILD_OK) --------------------
STEP_TAG=gpu_check
# shellcheck source=bench/gpu_build.sh
. "$ROOT/bench/gpu_build.sh"
# shellcheck disable=SC2119  # no targets: build everything
gpu_build

# ---- 3. The run steps need a GPU --------------------------------------------------------------
GPU_NAME="none"
HAVE_GPU=0
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  HAVE_GPU=1
  GPU_NAME=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader |
             head -1)
fi
skip_all() {
  local why=$1 s
  for s in "gpu tests" "packed bench (qrsweep)" "packed bench (PyTorch)" "memcheck packed sweep" \
           "memcheck train (own)" "memcheck train (cuBLAS)" "memcheck kernels" \
           "racecheck train" "initcheck train" "kernel benchmark"; do
    record "$s" SKIP 0 "$why"
  done
}

TESTS_LINE="not run"
if [ $BUILD_OK != 1 ]; then
  skip_all "the build failed"
elif [ $HAVE_GPU != 1 ]; then
  echo "gpu_check: no GPU: nvidia-smi finds no device here;" \
       "the build is checked, the run steps are skipped"
  skip_all "no GPU"
else
  # GPU tests; each test is its own process (gtest_discover_tests).
  run "gpu tests" "$TEST_LOG" 300 "ctest -L gpu" \
    env QRSWEEP_FASHION_MNIST_DIR="$FMNIST" ctest --test-dir "$BUILD" -L gpu \
    --output-on-failure --timeout 200 -j 2
  TESTS_LINE=$(grep -E 'tests passed|tests failed' "$TEST_LOG" | tail -1)
  skipped=$(grep -c '\*\*\*Skipped' "$TEST_LOG")
  TESTS_LINE="$TESTS_LINE; $skipped skipped"

  SAN_BIN=$(command -v compute-sanitizer || true)
  for d in "${CUDA_HOME:-}" /usr/local/cuda; do
    if [ -z "$SAN_BIN" ] && [ -n "$d" ] && [ -x "$d/bin/compute-sanitizer" ]; then
      SAN_BIN=$d/bin/compute-sanitizer
    fi
  done
  SAN=("$SAN_BIN" --error-exitcode 99 --print-limit 20)
  # The packed scheduler vs PyTorch on a subset of the notebook's plan (docs/cuda.md).
  PACKED_PY=$(command -v python3 || true)
  run "packed bench (qrsweep)" "$BENCH_LOG" 120 "subset of the 300-trial plan, 1 epoch" \
    "$BUILD/qrsweep_bench_packed" --space "$ROOT/examples/notebook.toml" --data "$FMNIST" \
    --subset "${QRSWEEP_PACKED_SUBSET:-24}" --epochs 1 --train-rows 10000 --val-rows 2000 \
    --subset-out "$WORK/packed_subset.json" --json-out "$WORK/packed_qrsweep.json"
  if [ -n "$PACKED_PY" ] && [ -f "$WORK/packed_subset.json" ]; then
    # shellcheck disable=SC2016  # sh -c's script expands its own arguments
    run "packed bench (PyTorch)" "$BENCH_LOG" 150 "sequential + best of 4/8 workers" \
      sh -c '"$1" "$2" --subset "$3" --data "$4" --workers 4,8 --halves >"$5"' _ \
      "$PACKED_PY" "$ROOT/bench/torch_baseline.py" "$WORK/packed_subset.json" "$FMNIST" \
      "$WORK/packed_torch.json"
    cat "$WORK/packed_qrsweep.json" "$WORK/packed_torch.json" >>"$BENCH_LOG" 2>/dev/null
    "$PACKED_PY" "$ROOT/bench/packed_report.py" "$WORK/packed_subset.json" \
      "$WORK/packed_qrsweep.json" "$WORK/packed_torch.json" "$OUT_DIR/packed_bench.md" \
      >>"$BENCH_LOG" 2>&1
  else
    record "packed bench (PyTorch)" FAIL 0 "no python3 or no subset file"
  fi
  # A small packed sweep (a CSV slice of Fashion-MNIST, batches down to 5) under memcheck.
  if [ -n "$PACKED_PY" ] && [ -n "$SAN_BIN" ]; then
    mkdir -p "$WORK/psweep"
    "$PACKED_PY" - "$FMNIST" "$WORK/psweep" <<'PYEOF' >>"$SAN_LOG" 2>&1
import gzip, struct, sys
import numpy as np
src, dst = sys.argv[1], sys.argv[2]
def idx(name):
    d = gzip.open(src + "/" + name + ".gz").read()
    n = d[3]
    shape = struct.unpack(">" + "I" * n, d[4:4 + 4 * n])
    return np.frombuffer(d, np.uint8, offset=4 + 4 * n).reshape(shape)
x = idx("train-images-idx3-ubyte").reshape(-1, 784)
y = idx("train-labels-idx1-ubyte")
for name, a, b in (("train.csv", 0, 1500), ("test.csv", 1500, 1800)):
    np.savetxt(dst + "/" + name, np.column_stack([y[a:b], x[a:b]]), fmt="%d", delimiter=",")
PYEOF
    cat >"$WORK/psweep/space.toml" <<SPACE
trials = 8
seed = 3
max_epochs = 2
patience = 5
[layer_size]
low = 20
high = 300
[batch_size]
low = 5
high = 300
[data]
format = "csv"
train_csv = "$WORK/psweep/train.csv"
test_csv = "$WORK/psweep/test.csv"
validation = 300
SPACE
    run "memcheck packed sweep" "$SAN_LOG" 150 "8 trials packed, 2 epochs, leak check" \
      "${SAN[@]}" --tool memcheck --leak-check full "$BUILD/qrsweep" sweep \
      --space "$WORK/psweep/space.toml" --out "$WORK/psweep/out" --backend cuda --quiet
  else
    record "memcheck packed sweep" FAIL 0 "python3 or compute-sanitizer not found"
  fi

  # A tiny config on Fashion-MNIST from the prefix (1,000 validation rows keep it short).
  cat >"$WORK/tiny.toml" <<EOF
sizes = [64, 32]
activation = "relu"
dropout_rates = [0.25, 0.0]
learning_rate = 0.001
momentum = 0.5
batch_size = 100
seed = 1
trial = 0
max_epochs = 1
patience = 5
[data]
format = "idx"
validation = 1000
EOF
  if [ -z "$SAN_BIN" ]; then
    for s in "memcheck train (own)" "memcheck train (cuBLAS)" "memcheck kernels" \
             "racecheck train" "initcheck train"; do
      record "$s" FAIL 0 "compute-sanitizer not found"
    done
  else
    run "memcheck train (own)" "$SAN_LOG" 150 "20 steps, leak check" \
      "${SAN[@]}" --tool memcheck --leak-check full "$BUILD/qrsweep" train \
      --config "$WORK/tiny.toml" --backend cuda --steps 20 --data "$FMNIST"
    run "memcheck train (cuBLAS)" "$SAN_LOG" 120 "QRSWEEP_CUDA_GEMM=cublas, 5 steps" \
      env QRSWEEP_CUDA_GEMM=cublas "${SAN[@]}" --tool memcheck "$BUILD/qrsweep" train \
      --config "$WORK/tiny.toml" --backend cuda --steps 5 --data "$FMNIST"
    run "memcheck kernels" "$SAN_LOG" 150 "FP32+TF32 mixed grouped launch" \
      "${SAN[@]}" --tool memcheck "$BUILD/gpu_kernels_test" \
      --gtest_filter=GpuGemm.GroupedLaunchEqualsEachProblemAlone
    run "racecheck train" "$SAN_LOG" 150 "shared memory, 3 steps" \
      "${SAN[@]}" --tool racecheck "$BUILD/qrsweep" train --config "$WORK/tiny.toml" \
      --backend cuda --steps 3 --data "$FMNIST"
    run "initcheck train" "$SAN_LOG" 120 "uninitialized device reads, 3 steps" \
      "${SAN[@]}" --tool initcheck "$BUILD/qrsweep" train --config "$WORK/tiny.toml" \
      --backend cuda --steps 3 --data "$FMNIST"
  fi

  # The kernel benchmark on the 300-trial plan (from `qrsweep plan` when it exists).
  PLAN_ARGS=()
  if [ -f "$ROOT/examples/notebook.toml" ] &&
     "$BUILD/qrsweep" --help 2>/dev/null | grep -qE '^\s+plan\b'; then
    if "$BUILD/qrsweep" plan --space "$ROOT/examples/notebook.toml" --out "$WORK/plan.csv" \
         >>"$BENCH_LOG" 2>&1; then
      PLAN_ARGS=(--plan "$WORK/plan.csv")
    fi
  fi
  run "kernel benchmark" "$BENCH_LOG" 200 "${PLAN_ARGS[*]:-built-in plan approximation}" \
    "$BUILD/qrsweep_bench_gemm" --out "$OUT_DIR" --repeats 10 --warmup 2 "${PLAN_ARGS[@]}"
fi

# ---- 4. Summary -------------------------------------------------------------------------------
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT (+ uncommitted changes)"
NVCC_BIN=$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)
NVCC=$("$NVCC_BIN" --version 2>/dev/null | grep -o 'release [0-9.]*' || echo "(nvcc not found)")
{
  echo "# GPU check, $STAMP"
  echo
  echo "- card: $GPU_NAME"
  echo "- commit: $COMMIT"
  echo "- build: Release, sm_$ARCH, CUDA $NVCC, $(cmake --version | head -1), host $(uname -m)"
  echo "- tests: $TESTS_LINE"
  echo "- total: $(elapsed) s"
  echo
  echo "| step | result | seconds | note |"
  echo "| --- | --- | ---: | --- |"
  for i in "${!STEP_NAMES[@]}"; do
    echo "| ${STEP_NAMES[$i]} | ${STEP_RESULTS[$i]} | ${STEP_SECS[$i]} | ${STEP_NOTES[$i]} |"
  done
  FAILED_RE='^\s+[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Subprocess aborted|Exception)'
  if grep -qE "$FAILED_RE" "$TEST_LOG"; then
    echo; echo "## Failed tests"; echo
    grep -E "$FAILED_RE" "$TEST_LOG" | sed 's/^\s*/- /'
  fi
  if grep -q 'ERROR SUMMARY' "$SAN_LOG"; then
    echo; echo "## compute-sanitizer"; echo
    grep -E '^=+ (ERROR SUMMARY|RACECHECK SUMMARY|LEAK SUMMARY)' "$SAN_LOG" | sed 's/^/- /'
  fi
  if [ -f "$OUT_DIR/gemm_bench.md" ]; then
    echo; sed 's/^# /## /' "$OUT_DIR/gemm_bench.md"
  fi
  if [ -f "$OUT_DIR/packed_bench.md" ]; then
    echo; sed 's/^# /## /' "$OUT_DIR/packed_bench.md"
  fi
} >"$SUMMARY"

echo
echo "== GPU check ($GPU_NAME, $COMMIT, $(elapsed) s) -> $OUT_DIR"
printf '%-26s %-5s %6s  %s\n' step result secs note
for i in "${!STEP_NAMES[@]}"; do
  printf '%-26s %-5s %6s  %s\n' "${STEP_NAMES[$i]}" "${STEP_RESULTS[$i]}" "${STEP_SECS[$i]}" \
    "${STEP_NOTES[$i]}"
done
echo "tests: $TESTS_LINE"
if [ -f "$OUT_DIR/gemm_bench.md" ]; then
  grep -E '^\| (forward|backward)' "$OUT_DIR/gemm_bench.md" |
    awk -F'|' '{printf "%-10s %-22s %9s ms %7s TFLOP/s\n", substr($2, 2, 9), $3, $6, $7}'
fi
if [ -f "$OUT_DIR/packed_bench.md" ]; then
  grep -E '^\| qrsweep / PyTorch' "$OUT_DIR/packed_bench.md"
fi
if [ $FAILED = 1 ]; then exit 1; fi
if [ $HAVE_GPU != 1 ]; then
  echo "NO GPU: only the unpack/configure/build steps ran here"
  exit 3
fi
exit 0
