#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test with CTest
# (GPU tests skip, visibly, where no GPU is present; the kernels run on the CPU under the
# emulator instead, label emu); then the CPU code's and the emulator's tests again
# under ASan + UBSan, and the threaded parts (the sweep's worker pool, the store queue,
# the packed scheduler's host threads) under ThreadSanitizer.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
BUILD_DIR=build scripts/build.sh
(cd build && ctest --output-on-failure -j "$(nproc)" --timeout 1500)
if [ "${QRSWEEP_SKIP_SANITIZE:-0}" != 1 ]; then
  BUILD_DIR=build-asan BUILD_TYPE=RelWithDebInfo scripts/build.sh -DQRSWEEP_SANITIZE=ON
  # cpu and emu: the kernel emulator's tests (tests/emu) run under ASan too.
  (cd build-asan && ctest --output-on-failure -j "$(nproc)" -L 'cpu|emu' -LE slow --timeout 1500)
  cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQRSWEEP_TSAN=ON >/dev/null
  cmake --build build-tsan -j "$(nproc)" --target test_sweep test_store_queue \
    test_host_parallel test_packed_sweep test_packed_invariance test_packed_faults \
    test_store_commits test_halving test_halving_sweep
  (cd build-tsan && ctest --output-on-failure -j "$(nproc)" --timeout 1500 \
    -R '^(Sweep|StoreQueue|HostParallel|PackedSweep|PackedInvariance|PackedFaults|StoreCommits|HalvingSweep)\.' \
    -E 'KillNine')
fi
# The fuzzers of every parser of outside input (tests/fuzz, clang's libFuzzer, ASan +
# UBSan): a bounded run of each from its seed corpus; docs/fuzzing.md has the long runs.
if [ "${QRSWEEP_SKIP_SANITIZE:-0}" != 1 ] && [ "${QRSWEEP_SKIP_FUZZ:-0}" != 1 ]; then
  tests/fuzz/run_fuzzers.sh "${QRSWEEP_FUZZ_SECONDS:-30}"
fi
