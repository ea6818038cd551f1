#!/usr/bin/env bash
# Installs qrsweep's build and test dependencies from Debian's packages (idempotent:
# skips apt when everything is already there). Needs root, as on the build machines.
set -euo pipefail
pkgs=(cmake ninja-build g++ pkg-config
      libgtest-dev zlib1g-dev libsqlite3-dev libopenblas-dev
      libcli11-dev libtomlplusplus-dev nlohmann-json3-dev
      dataset-fashion-mnist python3-numpy python3-scipy python3-torch)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
