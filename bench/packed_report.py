#!/usr/bin/env python3
"""Combines qrsweep_bench_packed's JSON, torch_baseline.py's JSON and the subset into
packed_bench.md: per system and per half of the mix, samples/s, trials/hour, achieved
TFLOP/s (docs/semantics.md#cost-model: 6P per training sample, 2P per evaluation sample),
the ratios, and the large fp32/TF32 matmul rate as the ceiling, and how many of qrsweep's
steps replayed a CUDA Graph (graph steps: replayed / all). Usage: packed_report.py SUBSET
QRSWEEP TORCH OUT.md"""
import json
import sys


def main():
    sub = json.load(open(sys.argv[1]))
    qr = json.load(open(sys.argv[2]))
    try:
        th = json.load(open(sys.argv[3]))
    except (OSError, ValueError):
        th = {"runs": [], "device": "(torch baseline did not run)"}
    trials = sub["trials"]
    h = len(trials) // 2
    groups = {"all": trials, "launch-bound half (P < median)": trials[:h],
              "compute-bound half": trials[h:]}
    e, nt, nv = sub["epochs"], sub["train_rows"], sub["val_rows"]

    def work(ts):
        samples = nt * e * len(ts)
        flop = sum(6 * t["parameters"] * nt * e + 2 * t["parameters"] * nv * e for t in ts)
        return samples, flop

    def group_of(name):
        for g in groups:
            if name.endswith(g) or (g == "all" and name.startswith("all")):
                return g
        return "all"

    rows = []
    for r in qr["runs"]:
        if r["name"] == "warm-up":
            continue
        graphs = "%d/%d" % (r["graph_replays"], r["steps"]) if "steps" in r else "-"
        rows.append(("qrsweep packed: " + r["name"], group_of(r["name"]), r["seconds"], r["trials"],
                     graphs))
    for r in th.get("runs", []):
        rows.append(("PyTorch " + r["name"], group_of(r["name"]), r["seconds"], r["trials"], "-"))
    ceiling = th.get("matmul_8192_tflops_tf32" if sub.get("tf32") else "matmul_8192_tflops_fp32")
    out = ["# Packed scheduler vs PyTorch", "",
           "- qrsweep device: %s" % qr.get("device"),
           "- PyTorch: %s, %s, %s" % (th.get("device"), th.get("torch"), th.get("precision")),
           "- work: %d trials of the notebook plan (subset: smallest batch sizes, largest networks, "
           "P quantiles), %d epoch(s) each on %d training rows, %d validation rows" %
           (len(trials), e, nt, nv),
           "- ceiling: PyTorch 8192^3 matmul %s TFLOP/s (fp32), %s (TF32)" %
           (fmt(th.get("matmul_8192_tflops_fp32")), fmt(th.get("matmul_8192_tflops_tf32"))), "",
           "| system | mix | trials | seconds | samples/s | trials/hour | TFLOP/s | % of ceiling "
           "| graph steps |",
           "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    best = {}
    for name, g, sec, n, graphs in rows:
        samples, flop = work(groups[g])
        tf = flop / sec / 1e12
        out.append("| %s | %s | %d | %.2f | %.0f | %.0f | %.2f | %s | %s |" % (
            name, g, n, sec, samples / sec, n / sec * 3600, tf,
            "%.0f%%" % (100 * tf / ceiling) if ceiling else "-", graphs))
        kind = "qrsweep" if name.startswith("qrsweep") else (
            "sequential" if "sequential" in name else "workers")
        key = (kind, g)
        best[key] = min(best.get(key, sec), sec)
    out += ["", "| ratio (samples/s) | mix | value | target |", "| --- | --- | ---: | --- |"]
    for g in groups:
        q = best.get(("qrsweep", g))
        for kind, target in (("sequential", ">= 10x (all), >= 50x (launch-bound half)"),
                             ("workers", ">= 3x")):
            b = best.get((kind, g))
            if q and b:
                out.append("| qrsweep / PyTorch %s | %s | %.1fx | %s |" % (kind, g, b / q, target))
    open(sys.argv[4], "w").write("\n".join(out) + "\n")
    print("\n".join(out))


def fmt(x):
    return "%.1f" % x if isinstance(x, (int, float)) else "-"


if __name__ == "__main__":
    main()
