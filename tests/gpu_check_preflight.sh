#!/usr/bin/env bash
# The GPU check's preflight (bench/gpu_check.sh) where nvidia-smi lists no GPU, python3 has
# neither numpy nor PyTorch and the packages are missing: each is reported up front with what
# its absence skips, the run steps are skipped with the reason, the summary is still written,
# and the exit status says a step failed (the unpack). Stubs shadow the real tools, so the
# result is the same on any machine. Runs in a few seconds (label cpu).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/bin" "$TMP/out" "$TMP/nodeps"
printf '#!/bin/sh\necho "NVIDIA-SMI has failed: no devices were found" >&2\nexit 9\n' \
  >"$TMP/bin/nvidia-smi"
printf '#!/bin/sh\n[ "$1" = --version ] && { echo "Python 3.0.0"; exit 0; }\n' >"$TMP/bin/python3"
printf 'echo "ModuleNotFoundError" >&2\nexit 1\n' >>"$TMP/bin/python3"
chmod +x "$TMP/bin/nvidia-smi" "$TMP/bin/python3"

out=$(PATH="$TMP/bin:$PATH" OUT="$TMP/out" QRSWEEP_DEPS_DIR="$TMP/nodeps" \
      QRSWEEP_DEPS_PREFIX="$TMP/prefix" QRSWEEP_GPU_BUILD="$TMP/build" \
      bash "$ROOT/bench/gpu_check.sh" 2>&1)
status=$?
fail=0
expect() {  # expect WHAT TEXT: TEXT must occur in WHAT
  if ! grep -qF -- "$2" <<<"$1"; then echo "missing: $2"; fail=1; fi
}
expect "$out" "preflight nvidia-smi         found, but it lists no GPU"
expect "$out" "preflight numpy              MISSING: the PyTorch baseline is skipped"
expect "$out" "preflight torch              MISSING: the PyTorch baseline is skipped"
expect "$out" "preflight bench/deps         MISSING: run bench/gpu_deps.sh"
# The preflight comes before any step.
first_step=$(grep -n 'gpu_check: unpack' <<<"$out" | head -1 | cut -d: -f1)
last_pre=$(grep -n 'gpu_check: preflight' <<<"$out" | tail -1 | cut -d: -f1)
if [ -z "$first_step" ] || [ -z "$last_pre" ] || [ "$last_pre" -gt "$first_step" ]; then
  echo "the preflight does not come first"; fail=1
fi
summary=$(cat "$TMP/out/summary.md" 2>/dev/null)
expect "$summary" "## Preflight"
expect "$summary" "- torch: MISSING"
expect "$summary" "| unpack | FAIL |"
expect "$summary" "| gpu tests | SKIP | 0 | 90 | the build failed |"
expect "$summary" "| packed bench (PyTorch) | SKIP |"
if [ "$status" != 1 ]; then echo "exit status $status, expected 1"; fail=1; fi
if [ $fail != 0 ]; then
  echo "---- output"; echo "$out"; echo "---- summary.md"; echo "$summary"
  exit 1
fi
echo "gpu_check preflight: ok"
