#!/usr/bin/env bash
# Installs qrsweep's dependencies from Debian's packages (idempotent: apt runs only when
# something is missing). Needs root (or sudo), as on the build machines.
#   scripts/setup.sh          what building and running qrsweep needs
#   scripts/setup.sh --test   also what the tests need (PyTorch and scipy as oracles,
#                             Chromium and rsvg-convert for the report tests, clang's
#                             libFuzzer for the fuzzers, clang and Boost.Context for the
#                             kernel emulator)
set -euo pipefail
pkgs=(cmake ninja-build g++ pkg-config
      zlib1g-dev libsqlite3-dev libopenblas-dev libxxhash-dev libzip-dev
      libcli11-dev libtomlplusplus-dev nlohmann-json3-dev libgtest-dev
      dataset-fashion-mnist)
if [ "${1:-}" = "--test" ]; then
  pkgs+=(python3-numpy python3-scipy python3-torch chromium librsvg2-bin fonts-dejavu-core)
  pkgs+=(clang libclang-rt-dev)  # the fuzzers: clang's libFuzzer (tests/fuzz)
  pkgs+=(libboost-context-dev)   # the kernel emulator's fibers (tests/emu; clang as above)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi
