#!/usr/bin/env python3
"""Trains the network qrsweep trains, in PyTorch (CPU, float32), with docs/semantics.md's rules
written out: the tf.keras RMSprop step (eps inside the sqrt on the momentum branch),
softmax cross-entropy on logits, batches in file order with the last partial batch kept.

  torch_parity.py init  --widths 64,24,16,10 --out init.safetensors
  torch_parity.py train --csv train.csv --validation 100 --init init.safetensors
                        --act tanh --lr 0.002 --momentum 0.3 --batch 48 --steps 220 --out losses.txt
"""
import argparse
import json
import struct

import numpy as np
import torch


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, arr in tensors:
        raw = np.ascontiguousarray(arr, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    h = json.dumps(header).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h + b"".join(blobs))


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        out[name] = np.frombuffer(data[8 + n + b : 8 + n + e], dtype="<f4").reshape(info["shape"]).copy()
    return out


def cmd_init(a):
    widths = [int(w) for w in a.widths.split(",")]
    rng = np.random.default_rng(a.seed)
    tensors = []
    for k in range(len(widths) - 1):
        lim = np.sqrt(6.0 / (widths[k] + widths[k + 1]))
        tensors.append((f"dense_{k+1}.weight", rng.uniform(-lim, lim, (widths[k], widths[k + 1])).astype(np.float32)))
        tensors.append((f"dense_{k+1}.bias", rng.uniform(-0.05, 0.05, widths[k + 1]).astype(np.float32)))
    save_safetensors(a.out, tensors)


def cmd_train(a):
    torch.set_num_threads(1)
    rows = np.loadtxt(a.csv, delimiter=",", dtype=np.int64)
    rows = rows[a.validation :]
    x_all = torch.tensor(rows[:, 1:].astype(np.float32) / np.float32(255.0))
    y_all = torch.tensor(rows[:, 0])
    w = load_safetensors(a.init)
    layers = []
    k = 1
    while f"dense_{k}.weight" in w:
        layers.append((torch.tensor(w[f"dense_{k}.weight"], requires_grad=True),
                       torch.tensor(w[f"dense_{k}.bias"], requires_grad=True)))
        k += 1
    params = [p for layer in layers for p in layer]
    ms = [torch.zeros_like(p) for p in params]
    mom = [torch.zeros_like(p) for p in params]
    act = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[a.act]
    lr, m, rho, eps = np.float32(a.lr), np.float32(a.momentum), np.float32(0.9), np.float32(1e-7)
    n, losses, start = len(rows), [], 0
    for _ in range(a.steps):
        if start >= n:
            start = 0
        xb, yb = x_all[start : start + a.batch], y_all[start : start + a.batch]
        start += a.batch
        h = xb
        for i, (W, b) in enumerate(layers):
            h = h @ W + b
            if i < len(layers) - 1:
                h = act(h)
        loss = (torch.logsumexp(h, dim=1) - h.gather(1, yb[:, None])[:, 0]).mean()
        for p in params:
            p.grad = None
        loss.backward()
        losses.append(loss.item())
        with torch.no_grad():
            for p, s, v in zip(params, ms, mom):
                g = p.grad
                s.mul_(float(rho)).add_(float(1 - rho) * (g * g))
                if m > 0:
                    v.mul_(float(m)).add_(float(lr) * g / torch.sqrt(s + float(eps)))
                    p.sub_(v)
                else:
                    p.sub_(float(lr) * g / (torch.sqrt(s) + float(eps)))
    with open(a.out, "w") as f:
        for i, l in enumerate(losses):
            f.write(f"{i+1} {l:.9g}\n")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    pi = sub.add_parser("init")
    pi.add_argument("--widths", required=True)
    pi.add_argument("--seed", type=int, default=0)
    pi.add_argument("--out", required=True)
    pt = sub.add_parser("train")
    for k in ("csv", "init", "act", "out"):
        pt.add_argument("--" + k, required=True)
    pt.add_argument("--validation", type=int, required=True)
    pt.add_argument("--lr", type=float, required=True)
    pt.add_argument("--momentum", type=float, required=True)
    pt.add_argument("--batch", type=int, required=True)
    pt.add_argument("--steps", type=int, required=True)
    a = p.parse_args()
    cmd_init(a) if a.cmd == "init" else cmd_train(a)


if __name__ == "__main__":
    main()
