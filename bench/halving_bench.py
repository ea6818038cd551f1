#!/usr/bin/env python3
"""Successive halving against the full schedule at equal compute, on the CPU backend.

For each seed: the full schedule over N trials of a scaled-down Fashion-MNIST space
(bench/halving-space.toml: the CPU preset's ranges with up to 27 epochs, unless --space),
then successive halving over as many trials of the same space as the full run's epochs
allow (counted with halving's bound: every trial trains to its rung, none stops early).
Both sides run in one invocation on the same machine; each is a real `qrsweep sweep` with
its selection, retraining and test. The table gives per seed and side: trials, epochs
trained (the sum of Epochs run in the export), wall and CPU time (user + sys of the sweep,
retrain and test included), the load average after the run, trials halved, the selected
trial with its min val loss and max val accuracy, and its test accuracy after retraining;
then on how many seeds halving's test accuracy is at least the full schedule's.

Validation before timing: each run must exit 0, print a test accuracy, and its export must
hold the trial count asked for, every trial finished; halving's decisions must show (some
trial "halved at rung k").

    bench/halving_bench.py --qrsweep build/qrsweep --seeds 1 2 3 4 --out runs/halving-bench
"""
import argparse
import csv
import json
import os
import re
import resource
import subprocess
import sys
import time


def space_text(base, seed, trials, halving, eta, min_epochs):
    """The base space with its seed and trial count replaced and a [schedule] table."""
    lines = []
    for line in base.splitlines():
        if re.match(r"\s*(seed|trials)\s*=", line):
            continue
        lines.append(line)
    # Top-level keys must come before the first table.
    head = "trials = %d\nseed = %d\n" % (trials, seed)
    body = "\n".join(lines)
    tail = ""
    if halving:
        tail = '\n[schedule]\nkind = "halving"\nmin_epochs = %d\neta = %d\n' % (min_epochs, eta)
    return head + body + tail


def max_epochs_of(base):
    m = re.search(r"^\s*max_epochs\s*=\s*(\d+)", base, re.M)
    return int(m.group(1)) if m else 100


def halving_bound(trials, max_epochs, eta, min_epochs):
    """Epochs halving trains at most over `trials` (no early stopping): per cohort,
    sum over rungs of entrants * (rung epochs - previous rung epochs)."""
    rungs = []
    r = min_epochs
    while r < max_epochs:
        rungs.append(r)
        r *= eta
    rungs.append(max_epochs)
    cohort = eta ** (len(rungs) - 1)
    total = 0
    left = trials
    while left > 0:
        n = min(cohort, left)
        left -= n
        prev = 0
        for r in rungs:
            total += n * (r - prev)
            prev = r
            n //= eta
            if n == 0:
                break
    return total


def children_cpu():
    u = resource.getrusage(resource.RUSAGE_CHILDREN)
    return u.ru_utime + u.ru_stime


def run(qrsweep, space_path, out, jobs):
    t0 = time.monotonic()
    c0 = children_cpu()
    p = subprocess.run([qrsweep, "sweep", "--space", space_path, "--out", out, "--backend", "cpu",
                        "--jobs", str(jobs), "--quiet"], capture_output=True, text=True)
    wall = time.monotonic() - t0
    cpu = children_cpu() - c0
    if p.returncode != 0:
        sys.exit("qrsweep sweep failed (%d) for %s:\n%s" % (p.returncode, space_path, p.stderr))
    m = re.search(r"The test accuracy was: (\S+)", p.stdout)
    if not m:
        sys.exit("no test accuracy in the output of " + space_path)
    e = subprocess.run([qrsweep, "export", out], capture_output=True, text=True)
    if e.returncode != 0:
        sys.exit("qrsweep export failed for " + out)
    with open(os.path.join(out, "all_trials.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    with open(os.path.join(out, "best_trial.csv"), newline="") as f:
        best = next(csv.DictReader(f))
    unfinished = [r for r in rows if r["Status"] not in ("done", "diverged", "failed")]
    if unfinished:
        sys.exit("%s: %d trials not finished" % (out, len(unfinished)))
    return {
        "trials": len(rows),
        "epochs": sum(int(r["Epochs run"]) for r in rows),
        "wall": wall,
        "cpu": cpu,
        "test_accuracy": float(m.group(1)),
        "best": int(best["Trial"]),
        "val_loss": float(best["Min val loss"]),
        "val_accuracy": float(best["Max val accuracy"]),
        "halved": sum(1 for r in rows if r["Stop reason"].startswith("halved at rung")),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qrsweep", default="build/qrsweep")
    ap.add_argument("--space", default="bench/halving-space.toml")
    ap.add_argument("--trials", type=int, default=16, help="the full schedule's trials")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--eta", type=int, default=3)
    ap.add_argument("--min-epochs", type=int, nargs="+", default=[1],
                    help="halving's first rung; several give one halving run each against "
                         "the same full run")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default="runs/halving-bench")
    a = ap.parse_args()
    base = open(a.space).read()
    max_epochs = max_epochs_of(base)
    os.makedirs(a.out, exist_ok=True)
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            model = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    print("machine: %s, %d cores, %s; load %.1f at the start; %d jobs" %
          (model, os.cpu_count(), " ".join(os.uname()[i] for i in (2, 4)), os.getloadavg()[0],
           a.jobs))
    print("space %s (max_epochs %d); full: %d trials; halving: eta %d, min_epochs %s" %
          (a.space, max_epochs, a.trials, a.eta, " ".join(map(str, a.min_epochs))))
    print("%-5s %-9s %7s %7s %8s %8s %5s %7s %5s %8s %8s %9s" %
          ("seed", "schedule", "trials", "epochs", "wall s", "cpu s", "load", "halved", "best",
           "val loss", "val acc", "test acc"))
    sides = [("full", 0)] + [("halving", m) for m in a.min_epochs]
    wins = {m: 0 for m in a.min_epochs}
    totals = {side: [0, 0.0, 0.0] for side in sides}
    for seed in a.seeds:
        results = {}
        for kind, min_epochs in sides:
            if kind == "full":
                trials = a.trials
                name = "full-%d" % seed
            else:
                budget = results[("full", 0)]["epochs"]
                trials = 1
                while halving_bound(trials + 1, max_epochs, a.eta, min_epochs) <= budget:
                    trials += 1
                name = "halving-m%d-e%d-%d" % (min_epochs, a.eta, seed)
            text = space_text(base, seed, trials, kind == "halving", a.eta, min_epochs)
            path = os.path.join(a.out, "space-%s.toml" % name)
            out = os.path.join(a.out, name)
            done = os.path.join(out, "result.json")
            # A run that finished earlier into the same --out with the same space is reused
            # (its figures as measured then), so an interrupted benchmark, or one that adds a
            # halving design, need not train the full schedule again.
            if os.path.exists(done) and os.path.exists(path) and open(path).read() == text:
                with open(done) as f:
                    r = json.load(f)
                note = " (reused)"
            else:
                if os.path.exists(os.path.join(out, "store.sqlite")):
                    sys.exit(out + " exists: give another --out")
                with open(path, "w") as f:
                    f.write(text)
                r = run(a.qrsweep, path, out, a.jobs)
                r["load"] = os.getloadavg()[0]
                note = ""
            if r["trials"] != trials:
                sys.exit("%s: %d trials exported, %d asked" % (out, r["trials"], trials))
            if kind == "halving" and r["halved"] == 0:
                sys.exit(out + ": no trial was halved")
            with open(done, "w") as f:
                json.dump(r, f)
            results[(kind, min_epochs)] = r
            for k, v in enumerate(("epochs", "wall", "cpu")):
                totals[(kind, min_epochs)][k] += r[v]
            label = kind if kind == "full" else "halving/%d" % min_epochs
            print("%-5d %-9s %7d %7d %8.1f %8.1f %5.1f %7d %5d %8.4f %8.4f %9.4f%s" %
                  (seed, label, r["trials"], r["epochs"], r["wall"], r["cpu"], r["load"],
                   r["halved"], r["best"], r["val_loss"], r["val_accuracy"],
                   r["test_accuracy"], note), flush=True)
        for m in a.min_epochs:
            wins[m] += (results[("halving", m)]["test_accuracy"] >=
                        results[("full", 0)]["test_accuracy"])
    for m in a.min_epochs:
        print("halving (min_epochs %d)'s test accuracy >= the full schedule's on %d of %d seeds"
              % (m, wins[m], len(a.seeds)))
    for (kind, m), (epochs, wall, cpu) in totals.items():
        label = kind if kind == "full" else "halving, min_epochs %d" % m
        print("%s: %d epochs, %.1f s wall, %.1f s CPU in all" % (label, epochs, wall, cpu))


if __name__ == "__main__":
    main()
