#!/usr/bin/env bash
# Run on a build machine (Debian, network): fetches with `apt-get download` the Debian packages
# the GPU machine lacks (it has CUDA, cmake, ninja and python3 but no -dev packages) into
# bench/deps/ (git-ignored), for bench/gpu_check.sh to unpack there with `dpkg -x`.
set -euo pipefail
cd "$(dirname "$0")/.."
DEPS=bench/deps
LIMIT_MIB=60

# Headers/CMake configs/static libs, the runtime libraries they link against, pkg-config
# (in case the GPU machine has none) and the data set.
pkgs=(
  libgtest-dev libgmock-dev
  libopenblas-dev libopenblas-pthread-dev libopenblas0-pthread libgfortran5 libquadmath0
  libcli11-dev
  libtomlplusplus-dev libtomlplusplus3
  nlohmann-json3-dev
  libsqlite3-dev libsqlite3-0
  zlib1g-dev zlib1g
  pkgconf pkgconf-bin libpkgconf3
  dataset-fashion-mnist
)

mkdir -p "$DEPS"
rm -f "$DEPS"/*.deb
# The sandbox user cannot write into a root-owned checkout: download as the caller.
if ! (cd "$DEPS" && apt-get -o APT::Sandbox::User="$(id -un)" download "${pkgs[@]}"); then
  echo "gpu_deps: apt-get download failed; try 'apt-get update' first" >&2
  exit 1
fi

missing=0
for p in "${pkgs[@]}"; do
  if ! ls "$DEPS/${p}_"*.deb >/dev/null 2>&1; then
    echo "gpu_deps: $p was not downloaded" >&2
    missing=1
  fi
done
[ "$missing" = 0 ] || exit 1

total=$(du -cb "$DEPS"/*.deb | tail -1 | cut -f1)
total_mib=$(( (total + 1048575) / 1048576 ))
printf 'gpu_deps: %d packages, %d MiB in %s\n' "$(find "$DEPS" -maxdepth 1 -name '*.deb' | wc -l)" \
  "$total_mib" "$DEPS"
if [ "$total_mib" -ge "$LIMIT_MIB" ]; then
  echo "gpu_deps: $total_mib MiB is over the $LIMIT_MIB MiB budget (the tree travels in 64 MiB)" >&2
  exit 1
fi
