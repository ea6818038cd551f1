#!/usr/bin/env bash
# The notebook's 300-trial sweep end to end on the GPU (issue 6 item 10), run from the
# repository root on the GPU machine: builds `qrsweep` as bench/gpu_check.sh does (through
# bench/gpu_build.sh: bench/deps/*.deb unpacked into a private prefix, Release for sm_90; a
# no-op when the tree is up to date), then runs
#   qrsweep sweep --space examples/notebook.toml --out DIR --backend cuda --data <prefix's FMNIST>
# (early stopping, selection, retrain on all training rows, test) under a time limit. Reads the
# store back with `qrsweep export` and reports trials finished / failed / total, the best trial,
# its test accuracy and the wall times. When the limit is hit it stops the sweep with SIGTERM
# (between optimizer steps; everything finished is kept and a rerun on the same DIR resumes),
# and reports the largest run that fit plus extrapolations to the whole plan, labelled as such.
# Writes into $OUT (else bench/results/gpu-sweep-<date>/): sweep.md (the summary), sweep.log,
# build.log, all_trials.csv, best_trial.csv, best_trial.toml, store.sqlite; prints the summary
# last. Exit: 0 the sweep finished and was tested, 4 the time limit stopped it (the summary
# holds the partial run), 1 a failure, 3 no GPU (the build steps ran, the sweep did not).
#
# Environment (all optional):
#   QRSWEEP_SWEEP_LIMIT_S  seconds the sweep stage may take (default and ceiling: what is left
#                          of QRSWEEP_SWEEP_TOTAL_S after the build, less 25 s for the report)
#   QRSWEEP_SWEEP_TOTAL_S  seconds the whole script may take (default 525: a 540 s command)
#   QRSWEEP_SWEEP_SPACE    the space file (default examples/notebook.toml)
#   QRSWEEP_SWEEP_BACKEND  cuda (default), cpu or auto; with cpu it runs without a GPU
#   QRSWEEP_SWEEP_DATA     IDX directory for --data (default the prefix's Fashion-MNIST, else
#                          none when QRSWEEP_SWEEP_BUILD is set and no prefix exists; `none`:
#                          no --data, the space's own [data])
#   QRSWEEP_SWEEP_DIR      the sweep directory, kept as found: a store there resumes (default
#                          runs/gpu-sweep, emptied first)
#   QRSWEEP_SWEEP_BUILD    an existing build directory holding qrsweep: skip unpack/configure/
#                          build (for testing this script on a machine without a GPU)
#   QRSWEEP_SWEEP_ARGS     more `qrsweep sweep` options, split on spaces (--max-resident 64)
#   and gpu_build.sh's: QRSWEEP_GPU_BUILD, QRSWEEP_DEPS_PREFIX, QRSWEEP_BUILD_JOBS, ...
set -u
CALLER_PWD=$(pwd)
cd "$(dirname "$0")/.." || exit 1
ROOT=$(pwd)
T0=$(date +%s)
LIMIT_S=${QRSWEEP_SWEEP_TOTAL_S:-525}
RESERVE_S=25   # export, copies and the summary after the sweep stage
GRACE_S=30     # after SIGTERM, before SIGKILL
STAMP=$(date -u +%Y-%m-%dT%H:%M:%SZ)
OUT_DIR=${OUT:-$ROOT/bench/results/gpu-sweep-$(date -u +%Y%m%dT%H%M%SZ)}
abspath() { case "$1" in /*) echo "$1" ;; *) echo "$CALLER_PWD/$1" ;; esac; }
SPACE=$(abspath "${QRSWEEP_SWEEP_SPACE:-$ROOT/examples/notebook.toml}")
BACKEND=${QRSWEEP_SWEEP_BACKEND:-cuda}
EXTRA=()
read -r -a EXTRA <<<"${QRSWEEP_SWEEP_ARGS:-}"
ORIG_LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}
PY=$(command -v python3 || true)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$OUT_DIR"
# At most 8 files come back from $OUT: these, the three CSV/TOML files, store.sqlite (and its
# -wal only after a SIGKILL).
BUILD_LOG=$OUT_DIR/build.log
LOG=$OUT_DIR/sweep.log
SUMMARY=$OUT_DIR/sweep.md
: >"$BUILD_LOG"; : >"$LOG"
rm -f "$OUT_DIR"/all_trials.csv "$OUT_DIR"/best_trial.csv "$OUT_DIR"/best_trial.toml \
  "$OUT_DIR"/store.sqlite "$OUT_DIR"/store.sqlite-wal

# ---- 1-2. Build qrsweep (gpu_build.sh: record, run, BUILD, FMNIST, BUILD_OK) ------------------
STEP_TAG=gpu_sweep
# shellcheck source=bench/gpu_build.sh
. "$ROOT/bench/gpu_build.sh"
if [ -n "${QRSWEEP_SWEEP_BUILD:-}" ]; then
  BUILD=$(cd "$(abspath "$QRSWEEP_SWEEP_BUILD")" 2>/dev/null && pwd) || BUILD=$QRSWEEP_SWEEP_BUILD
  if [ -x "$BUILD/qrsweep" ]; then
    record build SKIP 0 "existing build $BUILD (QRSWEEP_SWEEP_BUILD)"
    BUILD_OK=1
  else
    record build FAIL 0 "no $BUILD/qrsweep (QRSWEEP_SWEEP_BUILD)"
  fi
else
  gpu_build qrsweep
fi
QRS=$BUILD/qrsweep
DATA=${QRSWEEP_SWEEP_DATA:-}
if [ -z "$DATA" ] && { [ -z "${QRSWEEP_SWEEP_BUILD:-}" ] || [ -d "$FMNIST" ]; }; then
  DATA=$FMNIST
fi
DATA_ARGS=()
if [ -n "$DATA" ] && [ "$DATA" != none ]; then
  DATA=$(abspath "$DATA")
  DATA_ARGS=(--data "$DATA")
fi

# ---- 3. The sweep --------------------------------------------------------------------------
GPU_NAME="none"
HAVE_GPU=0
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi -L >/dev/null 2>&1; then
  HAVE_GPU=1
  GPU_NAME=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader |
             head -1)
fi
now_ms() { date +%s%3N; }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }  # ms -> "12.3"

# Snapshot of the trials in training, read-only beside the running sweep (a stop deletes their
# epoch rows): trial, started_at, max_epochs, epochs so far; first line: the snapshot time.
snapshot() {
  [ -n "$PY" ] || return 1
  env LD_LIBRARY_PATH="$ORIG_LD_LIBRARY_PATH" "$PY" - "$1" <<'PYEOF'
import sqlite3, sys, time, urllib.parse
con = sqlite3.connect("file:" + urllib.parse.quote(sys.argv[1]) + "?mode=ro", uri=True,
                      timeout=5)
print("snapshot\t%.3f" % time.time())
for row in con.execute(
        "SELECT t.trial, t.started_at, t.max_epochs, "
        "(SELECT COUNT(*) FROM epochs e WHERE e.trial = t.trial) "
        "FROM trials t WHERE t.status = 'running' ORDER BY t.trial"):
    print("\t".join(str(v) for v in row))
PYEOF
}

SWEEP_STATE="not run"   # complete, time limit, failed, not run
SWEEP_RC=""
SWEEP_START_MS=0; SWEEP_END_MS=0; RETRAIN_MS=""; STOP_MS=""; SWEEP_LIMIT=0
SDIR=""
if [ "$BUILD_OK" != 1 ]; then
  record sweep SKIP 0 "the build failed"
elif [ "$BACKEND" = cuda ] && [ $HAVE_GPU != 1 ]; then
  echo "gpu_sweep: no GPU: nvidia-smi finds no device here; the build is checked, the sweep" \
       "is skipped (QRSWEEP_SWEEP_BACKEND=cpu runs it on the CPU)"
  record sweep SKIP 0 "no GPU"
else
  if [ -n "${QRSWEEP_SWEEP_DIR:-}" ]; then
    SDIR=$(abspath "$QRSWEEP_SWEEP_DIR")
  else
    SDIR=$ROOT/runs/gpu-sweep
    rm -rf "$SDIR"
  fi
  left=$(( LIMIT_S - $(elapsed) - RESERVE_S ))
  SWEEP_LIMIT=${QRSWEEP_SWEEP_LIMIT_S:-$left}
  limit_note="limit ${SWEEP_LIMIT}s"
  if [ "$SWEEP_LIMIT" -gt "$left" ]; then
    SWEEP_LIMIT=$left
    limit_note="limit ${SWEEP_LIMIT}s (what is left of ${LIMIT_S}s)"
  fi
  if [ "$SWEEP_LIMIT" -lt 10 ]; then
    record sweep SKIP 0 "out of time (limit ${LIMIT_S}s)"
  else
    CMD=("$QRS" sweep --space "$SPACE" --out "$SDIR" --backend "$BACKEND" "${DATA_ARGS[@]}"
         "${EXTRA[@]}")
    printf '===== sweep (%s), %s\n$ %s\n' "$(date -u +%H:%M:%S)" "$limit_note" "${CMD[*]}" >>"$LOG"
    SWEEP_START_MS=$(now_ms)
    "${CMD[@]}" >>"$LOG" 2>&1 &
    pid=$!
    timed_out=0
    while kill -0 "$pid" 2>/dev/null; do
      if [ -z "$RETRAIN_MS" ] && grep -q '; retraining it on all' "$LOG"; then
        RETRAIN_MS=$(now_ms)
      fi
      if [ $(( $(now_ms) - SWEEP_START_MS )) -ge $(( SWEEP_LIMIT * 1000 )) ]; then
        timed_out=1
        STOP_MS=$(now_ms)
        if [ -f "$SDIR/store.sqlite" ]; then
          snapshot "$SDIR/store.sqlite" >"$WORK/running.tsv" 2>>"$LOG"
        fi
        printf '===== %s: time limit (%ss): SIGTERM\n' "$(date -u +%H:%M:%S)" "$SWEEP_LIMIT" \
          >>"$LOG"
        kill -TERM "$pid" 2>/dev/null
        break
      fi
      sleep 0.2
    done
    if [ $timed_out = 1 ]; then
      waited=0
      while kill -0 "$pid" 2>/dev/null && [ $waited -lt $(( GRACE_S * 5 )) ]; do
        sleep 0.2; waited=$((waited + 1))
      done
      if kill -0 "$pid" 2>/dev/null; then
        printf '===== still running %ss after SIGTERM: SIGKILL\n' "$GRACE_S" >>"$LOG"
        kill -KILL "$pid" 2>/dev/null
      fi
    fi
    wait "$pid"
    SWEEP_RC=$?
    SWEEP_END_MS=$(now_ms)
    # A retrain shorter than one poll: it started no later than the end.
    if [ -z "$RETRAIN_MS" ] && grep -q '; retraining it on all' "$LOG"; then
      RETRAIN_MS=$SWEEP_END_MS
    fi
    printf '===== sweep exit %s after %s s\n' "$SWEEP_RC" \
      "$(secs $((SWEEP_END_MS - SWEEP_START_MS)))" >>"$LOG"
    dt=$(( (SWEEP_END_MS - SWEEP_START_MS + 500) / 1000 ))
    if [ $timed_out = 1 ] && { [ $SWEEP_RC = 143 ] || [ $SWEEP_RC = 137 ]; }; then
      SWEEP_STATE="time limit"
      record sweep ok "$dt" "stopped at the time limit (${SWEEP_LIMIT}s): partial run"
    elif [ $SWEEP_RC = 0 ]; then
      SWEEP_STATE=complete
      record sweep ok "$dt" "complete: trials, selection, retrain, test"
    else
      SWEEP_STATE=failed
      record sweep FAIL "$dt" "exit $SWEEP_RC (see sweep.log)"
    fi
  fi
fi

# ---- 4. Read the store back ------------------------------------------------------------------
if [ -n "$SDIR" ] && [ -f "$SDIR/store.sqlite" ]; then
  t=$(date +%s)
  if "$QRS" export "$SDIR" --out "$OUT_DIR" >>"$LOG" 2>&1; then
    record export ok $(( $(date +%s) - t )) "all_trials.csv, best_trial.csv"
  else
    record export FAIL $(( $(date +%s) - t )) "see sweep.log"
  fi
  for f in store.sqlite store.sqlite-wal best_trial.toml; do
    [ -s "$SDIR/$f" ] && cp "$SDIR/$f" "$OUT_DIR/"  # an empty -wal stays behind
  done
fi

# The figures, from the exported tables (and the snapshot of the trials a stop interrupted).
figures() {
  if [ -z "$PY" ]; then
    echo "python3 not found: see sweep.log for the sweep's own summary" >&2; return 1
  fi
  [ -f "$OUT_DIR/all_trials.csv" ] || { echo "no all_trials.csv" >&2; return 1; }
  env LD_LIBRARY_PATH="$ORIG_LD_LIBRARY_PATH" \
    ALL="$OUT_DIR/all_trials.csv" BEST="$OUT_DIR/best_trial.csv" RUNNING="$WORK/running.tsv" \
    STATE="$SWEEP_STATE" RC="$SWEEP_RC" LIMIT="$SWEEP_LIMIT" S0="$SWEEP_START_MS" \
    S1="$SWEEP_END_MS" RETRAIN="$RETRAIN_MS" STOP="$STOP_MS" LOG="$LOG" SPACE="$REL_SPACE" \
    BACKEND="$BACKEND" \
    "$PY" - "$WORK/result.md" "$WORK/result.txt" <<'PYEOF'
import csv, datetime, os, re, statistics, sys

E = os.environ
def fnum(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return float("nan")
def g(x, d=4):
    return "%.*g" % (d, x) if x == x else "nan"
def mins(s):
    r = round(s)
    return " (%d min %02d s)" % (r // 60, r % 60) if r >= 60 else ""

with open(E["ALL"], newline="") as f:
    rows = list(csv.DictReader(f))
best = None
if os.path.exists(E["BEST"]):
    with open(E["BEST"], newline="") as f:
        b = list(csv.DictReader(f))
        best = b[0] if b else None
total = len(rows)
status = [r["Status"] for r in rows]
done, div, failed = status.count("done"), status.count("diverged"), status.count("failed")
finished = done + div + failed
unfinished = total - finished
state = E["STATE"]
s0, s1 = int(E["S0"]) / 1000, int(E["S1"]) / 1000
wall = s1 - s0
retrain = int(E["RETRAIN"]) / 1000 if E["RETRAIN"] else None
stop = int(E["STOP"]) / 1000 if E["STOP"] else None
log = open(E["LOG"], errors="replace").read()
head = re.search(r"^qrsweep sweep: \d+ trials \(([^)]*)\) on (.*); store ", log, re.M)
kept = re.search(r"(\d+) kept from an earlier run", head.group(1)) if head else None
seeds = sorted({r["Seed"] for r in rows})
lines = []  # (key, value); **bold** in Markdown only

lines.append(("sweep", "%s: %d trials, seed %s; on %s" % (
    E["SPACE"], total, ",".join(seeds),
    head.group(2) if head else "backend %s (no trial to train in this run)" % E["BACKEND"])))
if kept:
    lines.append(("resumed", "%s trials were kept from an earlier run: the wall times below "
                  "cover this run only" % kept.group(1)))
if re.search(r"is complete \(\d+ trials\); nothing to run", log):
    lines.append(("resumed", "the store was already complete: nothing was trained"))
lines.append(("trials", "%d of %d finished: %d done, %d diverged, %d failed; %d unfinished" % (
    finished, total, done, div, failed, unfinished)))

def describe(r):
    n = int(r["Number of hidden layers"])
    widths = [r["L%dN" % k] for k in range(1, n + 1)]
    drops = [k for k in range(1, n + 1) if r["D%d" % k] == "True"]
    d = ("dropout after layer%s %s" % ("s" if len(drops) > 1 else "",
         ", ".join("%d (%s)" % (k, g(fnum(r["D%dR" % k]), 3)) for k in drops))
         if drops else "no dropout")
    return "%s, %d hidden (%s), %s, %s, lr %s, momentum %s, batch %s" % (
        r["Structure"], n, " ".join(widths), r["Activation"], d,
        g(fnum(r["Learning rate"]), 3), g(fnum(r["Momentum"]), 3), r["Batch size"])

if state == "complete":
    if retrain is not None and not kept:
        t_trials, t_rest = retrain - s0, s1 - retrain
        lines.append(("sweep wall time", "**%.1f s**%s: trials %.1f s (data loading included), "
                      "selection + retrain + test %.1f s" % (wall, mins(wall), t_trials, t_rest)))
    else:
        lines.append(("sweep wall time", "**%.1f s**%s" % (wall, mins(wall))))
elif state == "time limit":
    t = (stop or s1) - s0
    lines.append(("status", "**time limit hit**: stopped by SIGTERM after %.1f s (limit %s s); "
                  "what follows is the largest run that fit" % (t, E["LIMIT"])))
    if retrain is not None:
        trained = ("all %d trials finished in %.1f s (data loading included)" % (
            total, retrain - s0)) if head and not kept else (
            "all %d trials were finished (some or all by an earlier run)" % total)
        lines.append(("largest run that fit", "%s; the retrain of the best was stopped after "
                      "%.1f s: no test" % (trained, (stop or s1) - retrain)))
    else:
        running = []
        snap = None
        if os.path.exists(E["RUNNING"]):
            for line in open(E["RUNNING"]):
                p = line.rstrip("\n").split("\t")
                if p[0] == "snapshot":
                    snap = float(p[1])
                elif len(p) == 4:
                    running.append((int(p[0]), p[1], int(p[2]), int(p[3])))
        lines.append(("largest run that fit", "**%d of %d trials finished in %.1f s** (%d done, "
                      "%d diverged, %d failed; data loading included); unfinished: %d "
                      "interrupted in training (requeued: a resume restarts them), %d not "
                      "started" % (finished, total, t, done, div, failed, len(running),
                                   unfinished - len(running))))
        if finished:
            est = t * total / finished
            lines.append(("extrapolation, linear (not a measurement)",
                          "%d trials at %.2f s per finished trial: about %.0f s%s; selection, "
                          "retrain and test not counted. Trials that train side by side finish "
                          "shortest first, so the ones left are the longer ones: read this as a "
                          "lower bound" % (total, t / finished, est, mins(est))))
        pace = []
        for trial, started, max_epochs, epochs in running:
            if epochs < 1 or snap is None or not started or started == "None":
                continue
            st = datetime.datetime.strptime(started, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
                tzinfo=datetime.timezone.utc).timestamp()
            per_epoch = (snap - st) / epochs
            pace.append((st - s0 + max_epochs * per_epoch, trial, epochs, max_epochs))
        if pace:
            ep = [p[2] for p in pace]
            latest = max(pace)
            lines.append(("extrapolation, epoch pace (not a measurement)",
                          "the interrupted trials with an epoch done (%d) had run %d to %d epochs "
                          "(median %g); each at its own pace would reach max_epochs by about "
                          "%.0f s after the start at the latest (trial %d: %d of %d epochs); "
                          "an upper estimate for them when the pace holds, as early stopping ends "
                          "most sooner; trials not started are not counted" % (
                              len(pace), min(ep), max(ep), statistics.median(ep), latest[0],
                              latest[1], latest[2], latest[3])))
        elif running:
            lines.append(("extrapolation, epoch pace (not a measurement)",
                          "none: no interrupted trial had finished an epoch"))
        if not finished:
            lines.append(("extrapolation, linear (not a measurement)",
                          "none: no trial finished within the limit"))
else:
    lines.append(("sweep wall time", "%.1f s (the sweep %s)" % (wall, state)))

if best:
    key = "best trial" if state == "complete" else "best trial so far"
    lines.append((key, "**%s**: min val loss %s at epoch %s, max val accuracy %s at epoch %s, "
                  "%s epochs (%s); %s" % (
                      best["Trial"], g(fnum(best["Min val loss"]), 5), best["Min val loss epoch"],
                      g(fnum(best["Max val accuracy"]), 4), best["Max val accuracy epoch"],
                      best["Epochs run"], best["Stop reason"], describe(best))))
    if best.get("Test accuracy", "") not in ("", "nan"):
        lines.append(("retrain", "%s epochs on all training rows; test loss %s" % (
            best["Retrain epochs"], g(fnum(best["Test loss"]), 4))))
        lines.append(("test accuracy", "**%s**" % g(fnum(best["Test accuracy"]), 4)))
    else:
        lines.append(("test accuracy", "not measured: the best trial was not retrained and "
                      "tested in this run"))
else:
    lines.append(("best trial", "none: no trial finished with a finite val loss"))
fin = [int(r["Epochs run"]) for r in rows if r["Status"] in ("done", "diverged", "failed")]
if fin:
    lines.append(("epochs of finished trials", "%d in all, median %g, max %d" % (
        sum(fin), statistics.median(fin), max(fin))))

with open(sys.argv[1], "w") as md, open(sys.argv[2], "w") as txt:
    md.write("| | |\n| --- | --- |\n")
    for k, v in lines:
        md.write("| %s | %s |\n" % (k, v.replace("|", "\\|")))
        txt.write("%s: %s\n" % (k, v.replace("**", "")))
PYEOF
}
REL_SPACE=${SPACE#"$ROOT"/}
FIGURES_OK=0
if [ -n "$SDIR" ] && figures 2>>"$LOG"; then FIGURES_OK=1; fi

# ---- 5. Summary -------------------------------------------------------------------------------
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$ROOT" diff --quiet HEAD 2>/dev/null || COMMIT="$COMMIT (+ uncommitted changes)"
CARD=$GPU_NAME
[ "$BACKEND" != cuda ] && CARD="$GPU_NAME (backend $BACKEND)"
{
  echo "# Sweep end to end: $REL_SPACE, backend $BACKEND, $STAMP"
  echo
  echo "- card: $CARD"
  echo "- commit: $COMMIT"
  if [ "$SWEEP_START_MS" != 0 ]; then
    cmd_text=$(printf '%s ' qrsweep sweep --space "$REL_SPACE" --out "${SDIR#"$ROOT"/}" \
               --backend "$BACKEND" "${DATA_ARGS[@]}" "${EXTRA[@]}")
    echo "- command: \`${cmd_text% }\` (sweep stage limit ${SWEEP_LIMIT} s)" |
      sed "s#$ROOT/##g"
    echo "- sweep stage: $(secs $((SWEEP_END_MS - SWEEP_START_MS))) s ($SWEEP_STATE);" \
         "whole script: $(elapsed) s"
  else
    echo "- sweep: not run; whole script: $(elapsed) s"
  fi
  echo
  echo "| step | result | seconds | note |"
  echo "| --- | --- | ---: | --- |"
  for i in "${!STEP_NAMES[@]}"; do
    echo "| ${STEP_NAMES[$i]} | ${STEP_RESULTS[$i]} | ${STEP_SECS[$i]} | ${STEP_NOTES[$i]} |"
  done
  if [ $FIGURES_OK = 1 ]; then
    echo; echo "## Result"; echo
    cat "$WORK/result.md"
  fi
  if [ "$SWEEP_STATE" = complete ] && grep -q '^The test accuracy was' "$LOG"; then
    echo; echo "## qrsweep's summary"; echo
    echo '```'
    sed -n '/^Structure : /,/^The test accuracy was/p' "$LOG"
    echo '```'
  fi
  if [ "$SWEEP_STATE" = "time limit" ]; then
    echo
    echo "Resume: on the same machine," \
         "\`QRSWEEP_SWEEP_DIR=${SDIR#"$ROOT"/} bash bench/gpu_sweep.sh\`"
    echo "keeps the finished trials and restarts the interrupted ones (docs/sweep.md, Resume)."
  fi
} >"$SUMMARY"

echo
echo "== GPU sweep ($CARD, $COMMIT, $(elapsed) s) -> $OUT_DIR"
printf '%-26s %-5s %6s  %s\n' step result secs note
for i in "${!STEP_NAMES[@]}"; do
  printf '%-26s %-5s %6s  %s\n' "${STEP_NAMES[$i]}" "${STEP_RESULTS[$i]}" "${STEP_SECS[$i]}" \
    "${STEP_NOTES[$i]}"
done
[ $FIGURES_OK = 1 ] && cat "$WORK/result.txt"
if [ $FAILED = 1 ]; then exit 1; fi
if [ "$BUILD_OK" = 1 ] && [ "$BACKEND" = cuda ] && [ $HAVE_GPU != 1 ]; then
  echo "NO GPU: only the unpack/configure/build steps ran here"
  exit 3
fi
[ "$SWEEP_STATE" = "time limit" ] && exit 4
[ "$SWEEP_STATE" = complete ] && exit 0
exit 1
