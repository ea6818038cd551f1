#!/usr/bin/env python3
"""One training epoch of the notebook's best configuration (docs/semantics.md#notebook:
784-163-325-10, sigmoid, dropout 0.1726 after layer 1, batch 544, RMSprop lr 0.00306
momentum 0.198) on Fashion-MNIST's 50,000 training rows plus the 10,000-row validation pass,
timed in qrsweep's CPU backend and in PyTorch CPU at the same thread counts, in one run.

Run: /usr/bin/python3 bench/cpu_vs_torch.py --qrsweep build/qrsweep [--threads 1,2] [--epochs 3]
Prints a Markdown table; the median epoch time of each side and their ratio. PyTorch runs
in a fresh process per thread count with OPENBLAS_NUM_THREADS set too, so its BLAS uses
the same number of threads as qrsweep's.
"""
import argparse
import gzip
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch

DATA = "/usr/share/datasets/fashion-mnist"
CONFIG = """structure = "Ascending max"
sizes = [163, 325]
activation = "sigmoid"
dropout_rates = [0.1725827321410179, 0.0]
learning_rate = 0.0030597063601017003
momentum = 0.19803881645202637
batch_size = 544
max_epochs = {epochs}
patience = 100
"""


def load_idx(name):
    with gzip.open(os.path.join(DATA, name), "rb") as f:
        raw = f.read()
    if name.find("images") >= 0:
        return np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 784)
    return np.frombuffer(raw, np.uint8, offset=8)


def qrsweep_epochs(binary, threads, epochs):
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as f:
        f.write(CONFIG.format(epochs=epochs))
    out = subprocess.run([binary, "train", "--backend", "cpu", "--threads", str(threads),
                          "--config", f.name], check=True, capture_output=True, text=True).stdout
    os.unlink(f.name)
    return [float(m) for m in re.findall(r"val_accuracy \S+\s+([0-9.]+) s", out)]


def torch_epochs(threads, epochs):
    torch.set_num_threads(threads)
    x = load_idx("train-images-idx3-ubyte.gz")
    y = load_idx("train-labels-idx1-ubyte.gz").astype(np.int64)
    xv, yv = torch.tensor(x[:10000]), torch.tensor(y[:10000])
    xt, yt = torch.tensor(x[10000:]), torch.tensor(y[10000:])
    widths = [784, 163, 325, 10]
    g = torch.Generator().manual_seed(0)
    params = []
    for i in range(3):
        lim = (6.0 / (widths[i] + widths[i + 1])) ** 0.5
        params += [((torch.rand(widths[i], widths[i + 1], generator=g) * 2 - 1) * lim).requires_grad_(),
                   torch.zeros(widths[i + 1], requires_grad=True)]
    ms = [torch.zeros_like(p) for p in params]
    mom = [torch.zeros_like(p) for p in params]
    lr, m, rate, bs = 0.0030597063601017003, 0.19803881645202637, 0.1725827321410179, 544

    def forward(xb, train):
        h = torch.sigmoid(xb @ params[0] + params[1])
        if train:
            h = h * (torch.rand(h.shape, generator=g) >= rate) / (1 - rate)
        h = torch.sigmoid(h @ params[2] + params[3])
        return h @ params[4] + params[5]

    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(len(xt), generator=g)
        for s in range(0, len(xt), bs):
            idx = perm[s:s + bs]
            z = forward(xt[idx].float() / 255, True)
            loss = torch.nn.functional.cross_entropy(z, yt[idx])
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():
                for p, s2, v in zip(params, ms, mom):
                    s2.mul_(0.9).add_(0.1 * p.grad * p.grad)
                    v.mul_(m).add_(lr * p.grad / torch.sqrt(s2 + 1e-7))
                    p.sub_(v)
        with torch.no_grad():
            for s in range(0, 10000, 1000):
                z = forward(xv[s:s + 1000].float() / 255, False)
                torch.nn.functional.cross_entropy(z, yv[s:s + 1000], reduction="sum")
        times.append(time.perf_counter() - t0)
    return times


def torch_in_subprocess(threads, epochs):
    # OpenBLAS reads its thread count when it loads: a fresh process per setting, with
    # OPENBLAS_NUM_THREADS and torch's own intra-op threads both set to `threads`.
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    out = subprocess.run([sys.executable, __file__, "--torch-only", str(threads), "--epochs",
                          str(epochs)], check=True, capture_output=True, text=True, env=env)
    return [float(v) for v in out.stdout.split()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--torch-only", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--qrsweep", default="build/qrsweep")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--epochs", type=int, default=3)
    a = ap.parse_args()
    if a.torch_only:
        print(" ".join(f"{t:.6f}" for t in torch_epochs(a.torch_only, a.epochs)))
        return
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    print(f"# One epoch of the notebook's best configuration, CPU\n")
    print(f"machine: {platform.machine()} {cpu}, {os.cpu_count()} cores; torch {torch.__version__}; "
          f"median of {a.epochs} epochs (50,000 training rows + 10,000 validation rows)\n")
    print("| threads | qrsweep (s) | PyTorch (s) | PyTorch / qrsweep |")
    print("|---|---|---|---|")
    for t in [int(s) for s in a.threads.split(",")]:
        q = statistics.median(qrsweep_epochs(a.qrsweep, t, a.epochs))
        p = statistics.median(torch_in_subprocess(t, a.epochs))
        print(f"| {t} | {q:.3f} | {p:.3f} | {p / q:.2f}x |")


if __name__ == "__main__":
    main()
