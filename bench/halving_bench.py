#!/usr/bin/env python3
"""Successive halving against the full schedule at equal compute, on the CPU backend.

For each seed: the full schedule over N trials of a scaled-down Fashion-MNIST space (the
CPU preset's, examples/cpu-quick.toml, unless --space), then successive halving over as
many trials of the same space as the full run's epochs allow (whole cohorts where they fit,
counted with halving's bound: every trial trains to its rung, none stops early). Both
sides run in one invocation on the same machine; each is a real `qrsweep sweep` with its
selection, retraining and test. The table gives per seed and side: trials, epochs trained
(the sum of Epochs run in the export), wall time (sweep + retrain + test) and the best
trial's test accuracy; then on how many seeds halving's test accuracy is at least the full
schedule's.

Validation before timing: each run must exit 0, print a test accuracy, and its export must
hold the trial count asked for, every trial finished; halving's decisions must show (some
trial "halved at rung k").

    bench/halving_bench.py --qrsweep build/qrsweep --seeds 1 2 3 4 --out runs/halving-bench
"""
import argparse
import csv
import os
import re
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


def run(qrsweep, space_path, out, jobs):
    t0 = time.monotonic()
    p = subprocess.run([qrsweep, "sweep", "--space", space_path, "--out", out, "--backend", "cpu",
                        "--jobs", str(jobs), "--quiet"], capture_output=True, text=True)
    wall = time.monotonic() - t0
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
    unfinished = [r for r in rows if r["Status"] not in ("done", "diverged", "failed")]
    if unfinished:
        sys.exit("%s: %d trials not finished" % (out, len(unfinished)))
    return {
        "trials": len(rows),
        "epochs": sum(int(r["Epochs run"]) for r in rows),
        "wall": wall,
        "test_accuracy": float(m.group(1)),
        "halved": sum(1 for r in rows if r["Stop reason"].startswith("halved at rung")),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--qrsweep", default="build/qrsweep")
    ap.add_argument("--space", default="examples/cpu-quick.toml")
    ap.add_argument("--trials", type=int, default=16, help="the full schedule's trials")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4])
    ap.add_argument("--eta", type=int, default=3)
    ap.add_argument("--min-epochs", type=int, default=1)
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
    print("%-5s %-8s %7s %7s %8s %9s %7s" % ("seed", "schedule", "trials", "epochs", "wall s",
                                           "test acc", "halved"))
    wins = 0
    totals = {"full": [0, 0.0], "halving": [0, 0.0]}
    for seed in a.seeds:
        results = {}
        for kind in ("full", "halving"):
            if kind == "full":
                trials = a.trials
            else:
                budget = results["full"]["epochs"]
                trials = 1
                while halving_bound(trials + 1, max_epochs, a.eta, a.min_epochs) <= budget:
                    trials += 1
            path = os.path.join(a.out, "space-%s-%d.toml" % (kind, seed))
            with open(path, "w") as f:
                f.write(space_text(base, seed, trials, kind == "halving", a.eta, a.min_epochs))
            out = os.path.join(a.out, "%s-%d" % (kind, seed))
            if os.path.exists(os.path.join(out, "store.sqlite")):
                sys.exit(out + " exists: give another --out")
            r = run(a.qrsweep, path, out, a.jobs)
            if r["trials"] != trials:
                sys.exit("%s: %d trials exported, %d asked" % (out, r["trials"], trials))
            if kind == "halving" and r["halved"] == 0:
                sys.exit(out + ": no trial was halved")
            results[kind] = r
            totals[kind][0] += r["epochs"]
            totals[kind][1] += r["wall"]
            print("%-5d %-8s %7d %7d %8.1f %9.4f %7d" % (seed, kind, r["trials"], r["epochs"],
                                                        r["wall"], r["test_accuracy"],
                                                        r["halved"]), flush=True)
        wins += results["halving"]["test_accuracy"] >= results["full"]["test_accuracy"]
    print("halving's test accuracy >= the full schedule's on %d of %d seeds" % (wins, len(a.seeds)))
    for kind, (epochs, wall) in totals.items():
        print("%s: %d epochs, %.1f s in all" % (kind, epochs, wall))


if __name__ == "__main__":
    main()
