#!/usr/bin/env bash
# The README's main job: installs what is missing, builds, and runs a real sweep on
# Fashion-MNIST to its tested best trial, then writes the HTML report. With a GPU (and a
# CUDA build) it is the notebook's 300-trial preset; on a CPU, the halving preset
# examples/cpu-halving.toml (27 trials halved at 3, 9 and 27 epochs, about 7 minutes on 2
# cores; examples/cpu-quick.toml is the one-minute one). Run it again to resume.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR=build scripts/build.sh
if build/qrsweep --version | grep -q cuda && nvidia-smi -L >/dev/null 2>&1; then
  space=examples/notebook.toml out=runs/notebook backend=cuda
else
  space=examples/cpu-halving.toml out=runs/cpu-halving backend=cpu
fi
build/qrsweep sweep --space "$space" --out "$out" --backend "$backend"
build/qrsweep report "$out"
echo "report: $out/report.html"
