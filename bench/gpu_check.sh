#!/usr/bin/env bash
# The GPU check (bench/README.md), run from the repository root on the GPU machine, in this
# order, correctness before any timing:
#   0. preflight: every tool a later step needs, found or reported missing up front
#   1-2. unpack bench/deps/*.deb into a private prefix, configure Release for sm_90, build
#        only what the check runs (qrsweep, the gpu_* tests, the two kernel benchmarks)
#   3. correctness: the GPU tests (ctest -L gpu), then compute-sanitizer memcheck,
#      racecheck and initcheck on short CUDA training runs
#   4. benchmarks: the grouped GEMM against cuBLAS, the packed scheduler against PyTorch
# Each step has a time share (SHARE_* below; the whole stays inside LIMIT_S), shrunk to what
# is left when earlier steps ran long, so the summary is always written. Writes summary.md
# and raw logs into $OUT (else bench/results/gpu-check-<date>/) and prints a table last.
# Keeps going after a failure. Exit: 0 every step ran and passed, 1 a step failed, 3 no GPU
# (only the build steps ran), 4 none failed but some were skipped (a missing tool, out of
# time, QRSWEEP_CHECK_BENCH=0).
#
# Environment (all optional): QRSWEEP_CHECK_LIMIT_S (default 420), QRSWEEP_CHECK_BENCH=0
# (correctness only: a quick rerun on a machine that built the tree already), and
# gpu_build.sh's QRSWEEP_GPU_BUILD, QRSWEEP_DEPS_PREFIX, QRSWEEP_BUILD_JOBS, ...
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
T0=$(date +%s)
LIMIT_S=${QRSWEEP_CHECK_LIMIT_S:-420}
RUN_BENCH=${QRSWEEP_CHECK_BENCH:-1}
# Time shares, seconds (bench/README.md explains them). Correctness: 35 + 120 + 90 + 130 =
# 375 s at most, about 175 s expected; the benchmarks take what it leaves, each at most its
# share.
SHARE_CONFIGURE=35
SHARE_BUILD=120          # about 20-30 s expected on 16 cores (bench/README.md, the estimate)
SHARE_TESTS=90
SHARE_MEMCHECK_TRAIN=25
SHARE_MEMCHECK_CUBLAS=20
SHARE_MEMCHECK_KERNELS=20
SHARE_MEMCHECK_SWEEP=25
SHARE_RACECHECK=25
SHARE_INITCHECK=15
SHARE_BENCH_GEMM=60
SHARE_BENCH_PACKED=60
SHARE_BENCH_TORCH=90
declare -A SHARE_OF=([configure]=$SHARE_CONFIGURE [build]=$SHARE_BUILD ["gpu tests"]=$SHARE_TESTS
  ["memcheck train (own)"]=$SHARE_MEMCHECK_TRAIN ["memcheck train (cuBLAS)"]=$SHARE_MEMCHECK_CUBLAS
  ["memcheck kernels"]=$SHARE_MEMCHECK_KERNELS ["memcheck packed sweep"]=$SHARE_MEMCHECK_SWEEP
  ["racecheck train"]=$SHARE_RACECHECK ["initcheck train"]=$SHARE_INITCHECK
  ["kernel benchmark"]=$SHARE_BENCH_GEMM ["packed bench (qrsweep)"]=$SHARE_BENCH_PACKED
  ["packed bench (PyTorch)"]=$SHARE_BENCH_TORCH)
export QRSWEEP_CONFIGURE_TIMEOUT_S=${QRSWEEP_CONFIGURE_TIMEOUT_S:-$SHARE_CONFIGURE}
export QRSWEEP_BUILD_TIMEOUT_S=${QRSWEEP_BUILD_TIMEOUT_S:-$SHARE_BUILD}
STAMP=$(date -u +%Y-%m-%dT%H:%M:%SZ)
OUT_DIR=${OUT:-$ROOT/bench/results/gpu-check-$(date -u +%Y%m%dT%H%M%SZ)}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT_DIR"
# At most 8 files come back from $OUT: these five, gemm_bench.md/.json and packed_bench.md.
BUILD_LOG=$OUT_DIR/build.log
TEST_LOG=$OUT_DIR/tests.log
SAN_LOG=$OUT_DIR/sanitizer.log
BENCH_LOG=$OUT_DIR/bench.log
SUMMARY=$OUT_DIR/summary.md
: >"$BUILD_LOG"; : >"$TEST_LOG"; : >"$SAN_LOG"; : >"$BENCH_LOG"

# ---- 0. Preflight: what is there, said once, before anything runs ---------------------------
PRE_NAMES=(); PRE_STATE=()
pre() { PRE_NAMES+=("$1"); PRE_STATE+=("$2"); printf 'gpu_check: preflight %-18s %s\n' "$1" "$2"; }
HAVE_GPU=0; GPU_NAME="none"
if ! command -v nvidia-smi >/dev/null 2>&1; then
  pre nvidia-smi "MISSING: not on PATH, so no GPU is usable here; only the build steps run"
elif ! nvidia-smi -L >/dev/null 2>&1; then
  pre nvidia-smi "found, but it lists no GPU ($(nvidia-smi -L 2>&1 | head -1)); only the build steps run"
else
  HAVE_GPU=1
  GPU_NAME=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader |
             head -1)
  pre nvidia-smi "ok: $GPU_NAME"
fi
NVCC_BIN=$(command -v nvcc || true)
[ -z "$NVCC_BIN" ] && [ -x /usr/local/cuda/bin/nvcc ] && NVCC_BIN=/usr/local/cuda/bin/nvcc
if [ -n "$NVCC_BIN" ]; then
  pre nvcc "ok: $("$NVCC_BIN" --version | grep -o 'release [0-9.]*')"
else
  pre nvcc "MISSING: the CUDA build cannot be configured"
fi
for tool in cmake ninja; do
  if command -v "$tool" >/dev/null 2>&1; then pre "$tool" "ok: $("$tool" --version | head -1)"
  else pre "$tool" "MISSING: the build cannot run"; fi
done
SAN_BIN=$(command -v compute-sanitizer || true)
for d in "${CUDA_HOME:-}" /usr/local/cuda; do
  if [ -z "$SAN_BIN" ] && [ -n "$d" ] && [ -x "$d/bin/compute-sanitizer" ]; then
    SAN_BIN=$d/bin/compute-sanitizer
  fi
done
if [ -n "$SAN_BIN" ]; then pre compute-sanitizer "ok: $SAN_BIN"
else pre compute-sanitizer "MISSING: memcheck, racecheck and initcheck are skipped"; fi
PY=$(command -v python3 || true)
HAVE_NUMPY=0; HAVE_TORCH=0
if [ -z "$PY" ]; then
  pre python3 "MISSING: the packed sweep's data slice and the PyTorch baseline are skipped"
else
  pre python3 "ok: $("$PY" --version 2>&1)"
  if v=$("$PY" -c 'import numpy; print(numpy.__version__)' 2>/dev/null); then
    HAVE_NUMPY=1; pre numpy "ok: $v"
  else pre numpy "MISSING: the PyTorch baseline is skipped"; fi
  if v=$("$PY" -c 'import torch; print(torch.__version__,
                  "CUDA" if torch.cuda.is_available() else "no CUDA")' 2>/dev/null); then
    case "$v" in
      *"no CUDA") pre torch "found ($v), no usable GPU: the PyTorch baseline is skipped" ;;
      *) HAVE_TORCH=1; pre torch "ok: $v" ;;
    esac
  else pre torch "MISSING: the PyTorch baseline is skipped"; fi
fi
n_debs=$(find "${QRSWEEP_DEPS_DIR:-$ROOT/bench/deps}" -maxdepth 1 -name '*.deb' 2>/dev/null | wc -l)
if [ "$n_debs" -gt 0 ]; then pre bench/deps "ok: $n_debs packages"
else pre bench/deps "MISSING: run bench/gpu_deps.sh on a build machine and bring bench/deps"; fi

# ---- 1-2. Unpack, configure, build what the check runs (gpu_build.sh: record, run, BUILD,
# FMNIST, BUILD_OK, FAILED) --------------------------------------------------------------------
STEP_TAG=gpu_check
# shellcheck source=bench/gpu_build.sh
. "$ROOT/bench/gpu_build.sh"
TARGETS=(qrsweep qrsweep_bench_gemm qrsweep_bench_packed)
for f in "$ROOT"/tests/gpu_*.cpp "$ROOT"/tests/gpu_*.cu; do
  [ -e "$f" ] || continue
  t=$(basename "$f"); TARGETS+=("${t%.*}")
done
gpu_build "${TARGETS[@]}"

SKIPPED=0
skip() { record "$1" SKIP 0 "$2"; SKIPPED=1; }
CORRECTNESS=("gpu tests" "memcheck train (own)" "memcheck train (cuBLAS)" "memcheck kernels"
             "memcheck packed sweep" "racecheck train" "initcheck train")
BENCHMARKS=("kernel benchmark" "packed bench (qrsweep)" "packed bench (PyTorch)")
skip_all() { local s; for s in "${CORRECTNESS[@]}" "${BENCHMARKS[@]}"; do skip "$s" "$1"; done; }

# san NAME SHARE NOTE TOOL ARGS...: one compute-sanitizer run (with the variables in SAN_ENV),
# recorded; when it fails, the note gives compute-sanitizer's own verdict from this run's log.
SAN_ENV=()
san() {
  local name=$1 share=$2 note=$3 tool=$4; shift 4
  if [ -z "$SAN_BIN" ]; then skip "$name" "compute-sanitizer missing (preflight)"; return; fi
  local from line
  from=$(($(wc -c <"$SAN_LOG") + 1))
  if ! run "$name" "$SAN_LOG" "$share" "$note" env "${SAN_ENV[@]}" \
       "$SAN_BIN" --error-exitcode 99 --print-limit 20 --tool "$tool" "$@"; then
    line=$(tail -c +"$from" "$SAN_LOG" |
           grep -E 'Device not supported|ERROR SUMMARY: [1-9]|RACECHECK SUMMARY: [1-9]' | tail -1)
    [ -n "$line" ] && [ "${STEP_RESULTS[-1]}" = FAIL ] &&
      STEP_NOTES[-1]="compute-sanitizer: ${line#========= }"
  fi
  return 0
}

TESTS_LINE="not run"
if [ "$BUILD_OK" != 1 ]; then
  skip_all "the build failed"
elif [ "$HAVE_GPU" != 1 ]; then
  echo "gpu_check: no GPU (preflight): the build is checked, the run steps are skipped"
  skip_all "no GPU"
else
  # ---- 3. Correctness: GPU tests, then compute-sanitizer ------------------------------------
  run "gpu tests" "$TEST_LOG" "$SHARE_TESTS" "ctest -L gpu" \
    env QRSWEEP_FASHION_MNIST_DIR="$FMNIST" ctest --test-dir "$BUILD" -L gpu \
    --output-on-failure --timeout 80 -j 2
  TESTS_LINE=$(grep -E 'tests passed|tests failed' "$TEST_LOG" | tail -1)
  TESTS_LINE="$TESTS_LINE; $(grep -c '\*\*\*Skipped' "$TEST_LOG") skipped"

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
  TRAIN=("$BUILD/qrsweep" train --config "$WORK/tiny.toml" --backend cuda --data "$FMNIST")
  san "memcheck train (own)" "$SHARE_MEMCHECK_TRAIN" "20 steps, leak check" \
    memcheck --leak-check full "${TRAIN[@]}" --steps 20
  san "memcheck train (cuBLAS)" "$SHARE_MEMCHECK_CUBLAS" "--cuda-gemm cublas, 5 steps" \
    memcheck "${TRAIN[@]}" --cuda-gemm cublas --steps 5
  san "memcheck kernels" "$SHARE_MEMCHECK_KERNELS" "FP32+TF32 mixed grouped launch" \
    memcheck "$BUILD/gpu_kernels_test" --gtest_filter=GpuGemm.GroupedLaunchEqualsEachProblemAlone

  # A small packed sweep (a CSV slice of Fashion-MNIST, batches down to 5) under memcheck.
  mkdir -p "$WORK/psweep"
  if [ -z "$PY" ]; then
    skip "memcheck packed sweep" "python3 missing (preflight): no CSV slice"
  elif ! "$PY" - "$FMNIST" "$WORK/psweep" >>"$SAN_LOG" 2>&1 <<'PYEOF'
import gzip, struct, sys
src, dst = sys.argv[1], sys.argv[2]
def idx(name):
    d = gzip.open(src + "/" + name + ".gz").read()
    n = d[3]
    return struct.unpack(">" + "I" * n, d[4:4 + 4 * n]), d[4 + 4 * n:]
(_, rows, cols), x = idx("train-images-idx3-ubyte")
_, y = idx("train-labels-idx1-ubyte")
dim = rows * cols
for name, a, b in (("train.csv", 0, 1500), ("test.csv", 1500, 1800)):
    with open(dst + "/" + name, "w") as f:
        for i in range(a, b):
            f.write("%d,%s\n" % (y[i], ",".join(map(str, x[i * dim:(i + 1) * dim]))))
PYEOF
  then
    record "memcheck packed sweep" FAIL 0 "could not write the CSV slice (see sanitizer.log)"
  else
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
    san "memcheck packed sweep" "$SHARE_MEMCHECK_SWEEP" "8 trials packed, 2 epochs, leak check" \
      memcheck --leak-check full "$BUILD/qrsweep" sweep --space "$WORK/psweep/space.toml" \
      --out "$WORK/psweep/out" --backend cuda --quiet
  fi
  san "racecheck train" "$SHARE_RACECHECK" "shared memory, 3 steps" \
    racecheck "${TRAIN[@]}" --steps 3
  san "initcheck train" "$SHARE_INITCHECK" "uninitialized device reads, 3 steps" \
    initcheck "${TRAIN[@]}" --steps 3

  # ---- 4. Benchmarks, after every correctness step -------------------------------------------
  CORRECT=ok
  for i in "${!STEP_NAMES[@]}"; do [ "${STEP_RESULTS[$i]}" = FAIL ] && CORRECT=failed; done
  if [ "$RUN_BENCH" = 0 ]; then
    for s in "${BENCHMARKS[@]}"; do skip "$s" "QRSWEEP_CHECK_BENCH=0"; done
  else
    [ $CORRECT = failed ] &&
      echo "gpu_check: a correctness step failed: the benchmarks run, but quote none of them"
    # The grouped GEMM against cuBLAS on the 300-trial plan (from `qrsweep plan`).
    PLAN_ARGS=()
    if "$BUILD/qrsweep" plan --space "$ROOT/examples/notebook.toml" --out "$WORK/plan.csv" \
         >>"$BENCH_LOG" 2>&1; then
      PLAN_ARGS=(--plan "$WORK/plan.csv")
    fi
    run "kernel benchmark" "$BENCH_LOG" "$SHARE_BENCH_GEMM" \
      "${PLAN_ARGS[*]:-built-in plan approximation}" \
      "$BUILD/qrsweep_bench_gemm" --out "$OUT_DIR" --repeats 10 --warmup 2 "${PLAN_ARGS[@]}"
    # The packed scheduler against PyTorch on a subset of the notebook's plan.
    run "packed bench (qrsweep)" "$BENCH_LOG" "$SHARE_BENCH_PACKED" \
      "subset of the 300-trial plan, 1 epoch" \
      "$BUILD/qrsweep_bench_packed" --space "$ROOT/examples/notebook.toml" --data "$FMNIST" \
      --subset "${QRSWEEP_PACKED_SUBSET:-24}" --epochs 1 --train-rows 10000 --val-rows 2000 \
      --subset-out "$WORK/packed_subset.json" --json-out "$WORK/packed_qrsweep.json"
    if [ "$HAVE_TORCH" != 1 ] || [ "$HAVE_NUMPY" != 1 ]; then
      skip "packed bench (PyTorch)" "PyTorch with CUDA, or numpy, missing (preflight)"
    elif [ ! -f "$WORK/packed_subset.json" ]; then
      skip "packed bench (PyTorch)" "no subset file: the qrsweep half did not run"
    else
      # shellcheck disable=SC2016  # sh -c's script expands its own arguments
      run "packed bench (PyTorch)" "$BENCH_LOG" "$SHARE_BENCH_TORCH" \
        "sequential + best of 4/8 workers" \
        sh -c '"$1" "$2" --subset "$3" --data "$4" --workers 4,8 --halves >"$5"' _ \
        "$PY" "$ROOT/bench/torch_baseline.py" "$WORK/packed_subset.json" "$FMNIST" \
        "$WORK/packed_torch.json"
      cat "$WORK/packed_qrsweep.json" "$WORK/packed_torch.json" >>"$BENCH_LOG" 2>/dev/null
      "$PY" "$ROOT/bench/packed_report.py" "$WORK/packed_subset.json" \
        "$WORK/packed_qrsweep.json" "$WORK/packed_torch.json" "$OUT_DIR/packed_bench.md" \
        >>"$BENCH_LOG" 2>&1
    fi
  fi
fi
for i in "${!STEP_RESULTS[@]}"; do [ "${STEP_RESULTS[$i]}" = SKIP ] && SKIPPED=1; done

# ---- 5. Summary -------------------------------------------------------------------------------
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT (+ uncommitted changes)"
NVCC=$([ -n "$NVCC_BIN" ] && "$NVCC_BIN" --version 2>/dev/null | grep -o 'release [0-9.]*' ||
       echo "(nvcc not found)")
{
  echo "# GPU check, $STAMP"
  echo
  echo "- card: $GPU_NAME"
  echo "- commit: $COMMIT"
  echo "- build: Release, sm_$ARCH, CUDA $NVCC, $(cmake --version 2>/dev/null | head -1)," \
       "host $(uname -m), $(nproc) cores"
  echo "- tests: $TESTS_LINE"
  echo "- total: $(elapsed) s of a ${LIMIT_S} s limit"
  echo
  echo "## Preflight"
  echo
  for i in "${!PRE_NAMES[@]}"; do echo "- ${PRE_NAMES[$i]}: ${PRE_STATE[$i]}"; done
  echo
  echo "## Steps (correctness first)"
  echo
  echo "| step | result | seconds | share, s | note |"
  echo "| --- | --- | ---: | ---: | --- |"
  for i in "${!STEP_NAMES[@]}"; do
    echo "| ${STEP_NAMES[$i]} | ${STEP_RESULTS[$i]} | ${STEP_SECS[$i]} |" \
         "${SHARE_OF[${STEP_NAMES[$i]}]:-} | ${STEP_NOTES[$i]} |"
  done
  FAILED_RE='^\s+[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Subprocess aborted|Exception)'
  if grep -qE "$FAILED_RE" "$TEST_LOG"; then
    echo; echo "## Failed tests"; echo
    grep -E "$FAILED_RE" "$TEST_LOG" | sed 's/^\s*/- /'
  fi
  if grep -q 'ERROR SUMMARY\|RACECHECK SUMMARY' "$SAN_LOG"; then
    echo; echo "## compute-sanitizer"; echo
    grep -E '^=+ (ERROR SUMMARY|RACECHECK SUMMARY|LEAK SUMMARY)' "$SAN_LOG" | sed 's/^/- /'
  fi
  if [ "${CORRECT:-}" = failed ]; then
    echo; echo "**A correctness step failed: the benchmark figures below are not to be quoted.**"
  fi
  for f in gemm_bench.md packed_bench.md; do
    [ -f "$OUT_DIR/$f" ] && { echo; sed 's/^# /## /' "$OUT_DIR/$f"; }
  done
} >"$SUMMARY"

echo
echo "== GPU check ($GPU_NAME, $COMMIT, $(elapsed) s of ${LIMIT_S} s) -> $OUT_DIR"
for i in "${!PRE_STATE[@]}"; do
  case "${PRE_STATE[$i]}" in ok:*) ;; *) echo "preflight: ${PRE_NAMES[$i]}: ${PRE_STATE[$i]}" ;; esac
done
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
if [ "$FAILED" = 1 ]; then exit 1; fi
if [ "$HAVE_GPU" != 1 ]; then
  echo "NO GPU: only the unpack/configure/build steps ran here"
  exit 3
fi
if [ "$SKIPPED" = 1 ]; then
  echo "INCOMPLETE: no step failed, but some were skipped (see the notes)"
  exit 4
fi
exit 0
