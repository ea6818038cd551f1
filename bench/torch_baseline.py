#!/usr/bin/env python3
"""PyTorch baselines for the packed benchmark (docs/semantics.md#training rules): the trials of
qrsweep_bench_packed's subset file, glorot-uniform init with zero bias, the tf.keras RMSprop
rule written out (rho 0.9, eps 1e-7; eps inside the sqrt on the momentum branch), batches of
each trial's size with the last partial batch kept, dropout after the flagged hidden layers,
validation every epoch. Batch order comes from torch.randperm (qrsweep uses its Philox
permutation): the same batch sizes and counts, so the same work. Modes: (a) sequential, one
trial after another (the notebook); (b) N worker processes sharing the GPU, each taking
trials from a queue (Ray Tune / Optuna style), for each N given, the best reported.
Also times a large fp32 (and TF32) matmul as the practical ceiling. Prints one JSON object.
"""
import argparse
import gzip
import json
import multiprocessing as mp
import os
import struct
import sys
import time

import numpy as np
import torch


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(data_dir, sub):
    def pick(stem):
        for name in (stem + ".gz", stem):
            p = os.path.join(data_dir, name)
            if os.path.exists(p):
                return p
        raise SystemExit("torch_baseline: no %s in %s" % (stem, data_dir))

    x = read_idx(pick("train-images-idx3-ubyte")).reshape(-1, 784)
    y = read_idx(pick("train-labels-idx1-ubyte"))
    v0, nv, nt = sub["validation"], sub["val_rows"], sub["train_rows"]
    return (x[v0 : v0 + nt], y[v0 : v0 + nt], x[:nv], y[:nv])


ACT = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def train_trial(t, xs, ys, xv, yv, epochs, gen):
    dev = xs.device
    widths = t["widths"]
    params = []
    for i in range(len(widths) - 1):
        a = (6.0 / (widths[i] + widths[i + 1])) ** 0.5
        w = (torch.rand(widths[i], widths[i + 1], device=dev, generator=gen) * 2 - 1) * a
        params += [w.requires_grad_(), torch.zeros(widths[i + 1], device=dev, requires_grad=True)]
    ms = [torch.zeros_like(p) for p in params]
    mom = [torch.zeros_like(p) for p in params]
    act = ACT[t["activation"]]
    drop = t["dropout"]
    lr, m, bs = t["learning_rate"], t["momentum"], t["batch_size"]
    n = xs.shape[0]
    L = len(widths) - 1

    def forward(h, train):
        for k in range(L):
            h = h @ params[2 * k] + params[2 * k + 1]
            if k < L - 1:
                h = act(h)
                if train and drop[k] > 0:
                    h = h * (torch.rand(h.shape, device=dev, generator=gen) >= drop[k]) / (1 - drop[k])
        return h

    for _ in range(epochs):
        perm = torch.randperm(n, device=dev, generator=gen)
        for s in range(0, n, bs):
            idx = perm[s : s + bs]
            z = forward(xs[idx], True)
            loss = torch.nn.functional.cross_entropy(z, ys[idx])
            grads = torch.autograd.grad(loss, params)
            with torch.no_grad():
                for p, g, a_ms, a_mom in zip(params, grads, ms, mom):
                    a_ms.mul_(0.9).addcmul_(g, g, value=0.1)
                    if m > 0:
                        a_mom.mul_(m).add_(lr * g / torch.sqrt(a_ms + 1e-7))
                        p.sub_(a_mom)
                    else:
                        p.sub_(lr * g / (torch.sqrt(a_ms) + 1e-7))
        with torch.no_grad():
            vl = 0.0
            for s in range(0, xv.shape[0], 1024):
                vl += torch.nn.functional.cross_entropy(
                    forward(xv[s : s + 1024], False), yv[s : s + 1024], reduction="sum").item()
    torch.cuda.synchronize()
    return vl / xv.shape[0]


def to_device(arrs):
    xs, ys, xv, yv = arrs
    f = lambda a: torch.from_numpy(a.astype(np.float32) / 255.0).cuda()
    return f(xs), torch.from_numpy(ys.astype(np.int64)).cuda(), f(xv), torch.from_numpy(yv.astype(np.int64)).cuda()


def set_precision(tf32):
    torch.backends.cuda.matmul.allow_tf32 = tf32
    torch.backends.cudnn.allow_tf32 = tf32


def worker(q, res, data_dir, sub, tf32):
    set_precision(tf32)
    d = to_device(load(data_dir, sub))
    gen = torch.Generator(device="cuda")
    res.put(("ready", None))
    while True:
        t = q.get()
        if t is None:
            return
        gen.manual_seed(t["index"])
        res.put(("done", train_trial(t, *d, sub["epochs"], gen)))


def run_workers(n, trials, data_dir, sub, tf32):
    ctx = mp.get_context("spawn")
    q, res = ctx.Queue(), ctx.Queue()
    ps = [ctx.Process(target=worker, args=(q, res, data_dir, sub, tf32)) for _ in range(n)]
    for p in ps:
        p.start()
    for _ in range(n):
        res.get()  # every worker has imported torch and loaded the data: the clock starts
    t0 = time.perf_counter()
    for t in trials:
        q.put(t)
    for _ in trials:
        res.get()
    dt = time.perf_counter() - t0
    for _ in ps:
        q.put(None)
    for p in ps:
        p.join()
    return dt


def matmul_rate(tf32, n=8192, reps=10):
    set_precision(tf32)
    a = torch.rand(n, n, device="cuda")
    b = torch.rand(n, n, device="cuda")
    for _ in range(2):
        a @ b
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        s.record()
        a @ b
        e.record()
        torch.cuda.synchronize()
        times.append(s.elapsed_time(e) / 1e3)
    return 2 * n ** 3 / sorted(times)[len(times) // 2] / 1e12


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--subset", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--workers", default="2,4,8")
    ap.add_argument("--halves", action="store_true")
    ap.add_argument("--skip-sequential", action="store_true")
    args = ap.parse_args()
    sub = json.load(open(args.subset))
    trials = sub["trials"]
    tf32 = bool(sub.get("tf32", False))
    out = {"device": torch.cuda.get_device_name(0), "torch": torch.__version__,
           "precision": "TF32" if tf32 else "FP32", "runs": []}
    out["matmul_8192_tflops_fp32"] = matmul_rate(False)
    out["matmul_8192_tflops_tf32"] = matmul_rate(True)
    set_precision(tf32)
    d = to_device(load(args.data, sub))
    gen = torch.Generator(device="cuda")
    gen.manual_seed(0)
    train_trial(trials[0], d[0][:512], d[1][:512], d[2], d[3], 1, gen)  # warm-up
    groups = [("all", trials)]
    if args.halves:
        h = len(trials) // 2  # the subset is sorted by P
        groups += [("launch-bound half (P < median)", trials[:h]), ("compute-bound half", trials[h:])]
    for name, ts in groups:
        if not args.skip_sequential:
            t0 = time.perf_counter()
            for t in ts:
                gen.manual_seed(t["index"])
                train_trial(t, *d, sub["epochs"], gen)
            out["runs"].append({"name": "sequential, " + name, "trials": len(ts),
                                "seconds": time.perf_counter() - t0})
            print(json.dumps(out["runs"][-1]), file=sys.stderr, flush=True)
        best = None
        for n in [int(w) for w in args.workers.split(",") if w]:
            dt = run_workers(n, ts, args.data, sub, tf32)
            print(json.dumps({"workers": n, "group": name, "seconds": dt}), file=sys.stderr, flush=True)
            if best is None or dt < best[1]:
                best = (n, dt)
        if best:
            out["runs"].append({"name": "%d workers, %s" % (best[0], name), "trials": len(ts),
                                "seconds": best[1], "workers": best[0]})
    print(json.dumps(out))


if __name__ == "__main__":
    main()
