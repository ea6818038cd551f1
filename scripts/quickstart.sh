#!/usr/bin/env bash
# The README's main job: installs what is missing, builds, and trains the notebook's
# best configuration (SPEC 1.7) on Fashion-MNIST, printing each epoch and the accuracy.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR=build scripts/build.sh
build/qrsweep train --config examples/notebook-best.toml --backend auto
