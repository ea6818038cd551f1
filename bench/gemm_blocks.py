#!/usr/bin/env python3
"""What the CPU backend's thread-count-independent products cost (host/cpu/ops.h): each
product of one training step of the notebook's best configuration (784-163-325-10,
batch 544; forward, weight gradients, input gradients) as one single-threaded OpenBLAS
sgemm call, against the same product cut into 128-row blocks of C, one call per block
(what qrsweep does on one thread). Minimum of many repetitions, so a busy machine
inflates neither side much.

Run: /usr/bin/python3 bench/gemm_blocks.py [--reps 200] [--rows 128]
Prints a Markdown table: microseconds per step for each way and their ratio.
"""
import argparse
import ctypes
import ctypes.util
import os
import platform
import time

import numpy as np

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112


def load_openblas():
    for name in ("libopenblas.so.0", ctypes.util.find_library("openblas")):
        if name:
            try:
                lib = ctypes.CDLL(name)
                lib.openblas_set_num_threads(1)
                return lib
            except OSError:
                pass
    raise SystemExit("OpenBLAS not found (apt-get install libopenblas0-pthread)")


def sgemm(blas, ta, tb, m, n, k, a, lda, b, ldb, c, ldc, a_offset=0, c_offset=0):
    f = ctypes.POINTER(ctypes.c_float)
    blas.cblas_sgemm(ROW_MAJOR, TRANS if ta else NO_TRANS, TRANS if tb else NO_TRANS, m, n, k,
                     ctypes.c_float(1.0),
                     ctypes.cast(a.ctypes.data + 4 * a_offset, f), lda,
                     ctypes.cast(b.ctypes.data, f), ldb, ctypes.c_float(0.0),
                     ctypes.cast(c.ctypes.data + 4 * c_offset, f), ldc)


def products(batch=544, widths=(784, 163, 325, 10)):
    """(ta, tb, m, n, k, lda, ldb, ldc) of every product of one step, as ops.cpp calls them."""
    out = []
    for i, o in zip(widths, widths[1:]):
        out.append((False, False, batch, o, i, i, o, o))  # forward: x[B,in] w[in,out]
        out.append((True, False, i, o, batch, i, o, o))   # dw = x^T dz
        if i != widths[0]:
            out.append((False, True, batch, i, o, o, o, i))  # dx = dz w^T
    return out


def step(blas, shapes, mats, rows):
    for (ta, tb, m, n, k, lda, ldb, ldc), (a, b, c) in zip(shapes, mats):
        if rows == 0:
            sgemm(blas, ta, tb, m, n, k, a, lda, b, ldb, c, ldc)
            continue
        for r0 in range(0, m, rows):
            r = min(rows, m - r0)
            sgemm(blas, ta, tb, r, n, k, a, lda, b, ldb, c, ldc,
                  a_offset=r0 if ta else r0 * lda, c_offset=r0 * ldc)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--rows", type=int, default=128)
    a = ap.parse_args()
    blas = load_openblas()
    rng = np.random.default_rng(0)
    shapes = products()
    mats = []
    for ta, tb, m, n, k, lda, ldb, ldc in shapes:
        rows_a = k if ta else m
        rows_b = n if tb else k
        mats.append((rng.random((rows_a, lda), np.float32), rng.random((rows_b, ldb), np.float32),
                     np.zeros((m, ldc), np.float32)))
    best = {0: float("inf"), a.rows: float("inf")}
    for _ in range(a.reps):
        for rows in best:
            t0 = time.perf_counter()
            step(blas, shapes, mats, rows)
            best[rows] = min(best[rows], time.perf_counter() - t0)
    cpu = ""
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                   if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print(f"machine: {platform.machine()} {cpu}, {os.cpu_count()} cores; one OpenBLAS thread; "
          f"min of {a.reps} steps\n")
    print("| products of one step | one call each (us) | "
          f"{a.rows}-row blocks (us) | blocks / one call |")
    print("|---|---|---|---|")
    print(f"| {len(shapes)} (784-163-325-10, batch 544) | {best[0] * 1e6:.0f} | "
          f"{best[a.rows] * 1e6:.0f} | {best[a.rows] / best[0]:.3f}x |")


if __name__ == "__main__":
    main()
