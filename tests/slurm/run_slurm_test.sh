#!/usr/bin/env bash
# Sharded sweeps on a private one-node Slurm: `qrsweep slurm --submit` end to end, then with
# tasks signalled and requeued mid-run.
set -euo pipefail

# run_slurm_test.sh QRSWEEP WORKDIR: WORKDIR holds tiny.toml and slow.toml (written by
# tests/test_slurm_cluster.cpp, which compares the results); the sweeps go to WORKDIR/a and
# WORKDIR/b, what happened to WORKDIR/facts.txt. Exit status 77: skipped, the reason on the
# last line of output. Every job and daemon it started is stopped on exit, by pid.
QRSWEEP=$1
WORK=$2
HERE=$(cd "$(dirname "$0")" && pwd)
cd /  # nothing of ours may keep a cluster directory busy

skip() {
  echo "SKIP: $*"
  exit 77
}

[ "$(id -u)" -eq 0 ] || skip "a private Slurm cluster needs root (slurmd runs jobs as their users)"
# shellcheck source-path=SCRIPTDIR
source "$HERE/one_node_cluster.sh"
why=$(cluster_install) || skip "$why"

STARTED=$(date +%s)
FACTS="$WORK/facts.txt"
: >"$FACTS"
fact() { echo "$1=$2" >>"$FACTS"; }
say() { echo "[$(($(date +%s) - STARTED))s] $*"; }

on_exit() {
  local rc=$?
  if ((rc != 0 && rc != 77)); then
    echo "---- slurm test failed (status $rc); cluster state and logs:"
    scontrol show job 2>&1 | grep -E "JobId|JobState|Restarts|ExitCode" | head -60 || true
    cluster_log_tail || true
    local f
    for f in "$WORK"/a/slurm/*.out "$WORK"/b/slurm/*.out; do
      [ -f "$f" ] && { echo "---- $f"; tail -n 30 "$f"; }
    done
  fi
  cluster_stop
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

CLUSTER_JOBS_DIR=$WORK
cluster_start "$WORK/cluster"
say "one-node cluster up: node $CLUSTER_NODE, $(nproc) CPUs, $SLURM_CONF"

# The field of one job record (scontrol show job ID), e.g. JobState.
job_field() {
  scontrol show job "$1" 2>/dev/null | tr ' ' '\n' | sed -n "s/^$2=//p" | head -n1
}

# Waits until job $1 has ended, leaving its state in $JOB_STATE; fails after $2 seconds.
# It polls in this shell (not in a $(...) subshell) so that a TERM from timeout(1) runs the
# EXIT trap within one short sleep.
JOB_STATE=""
wait_job_end() {
  local deadline=$(($(date +%s) + $2))
  while :; do
    JOB_STATE=$(job_field "$1" JobState)
    case "$JOB_STATE" in
      COMPLETED | FAILED | CANCELLED | TIMEOUT | OUT_OF_MEMORY | NODE_FAIL | PREEMPTED | \
        BOOT_FAIL | DEADLINE) return 0 ;;
    esac
    if (($(date +%s) > deadline)); then
      echo "job $1 still $JOB_STATE after $2 s"
      return 1
    fi
    sleep 0.5
  done
}

submit() {  # submit SPACE OUT SHARDS: prints "ARRAY MERGE"
  local out
  out=$(cd "$WORK" && "$QRSWEEP" slurm --space "$1" --out "$2" --shards "$3" \
    --partition debug --cpus-per-task 1 --time 00:10:00 --jobs 1 --threads 1 --submit)
  echo "$out" >&2
  sed -n 's/^submitted array job \([0-9]*\) .* merge job \([0-9]*\) .*/\1 \2/p' <<<"$out"
}

# ---- (a) a 4-shard sweep, submitted and merged by Slurm --------------------------------
read -r a_array a_merge <<<"$(submit tiny.toml "$WORK/a" 4)"
[ -n "$a_merge" ] || { echo "qrsweep slurm --submit printed no job ids"; exit 1; }
fact a_array "$a_array"
fact a_merge "$a_merge"
wait_job_end "$a_merge" 150
fact a_merge_state "$JOB_STATE"
for t in 0 1 2 3; do fact "a_task${t}_state" "$(job_field "${a_array}_$t" JobState)"; done
say "(a) array $a_array and merge $a_merge: merge $JOB_STATE"

# ---- (b) two shards of a slower sweep: task 0 gets the time-limit warning (USR1 to the
# batch shell, as --signal=B:USR1 sends it), task 1 is requeued by scontrol, both mid-run.
read -r b_array b_merge <<<"$(submit slow.toml "$WORK/b" 2)"
[ -n "$b_merge" ] || { echo "qrsweep slurm --submit printed no job ids"; exit 1; }
fact b_array "$b_array"
fact b_merge "$b_merge"
# Each task is interrupted after its first finished trial, whichever gets there first.
log0="$WORK/b/slurm/sweep-${b_array}_0.out"
log1="$WORK/b/slurm/sweep-${b_array}_1.out"
signalled=0
requeued=0
deadline=$(($(date +%s) + 150))
until ((signalled && requeued)); do
  if ((!signalled)) && [ -f "$log0" ] && grep -q "^trial [0-9]* done" "$log0"; then
    scancel --signal=USR1 --batch "${b_array}_0"
    signalled=1
    say "(b) sent USR1 to the batch shell of ${b_array}_0 after its first finished trial"
  fi
  if ((!requeued)) && [ -f "$log1" ] && grep -q "^trial [0-9]* done" "$log1"; then
    scontrol requeue "${b_array}_1"
    requeued=1
    say "(b) requeued ${b_array}_1 after its first finished trial"
  fi
  if (($(date +%s) > deadline)); then
    echo "(b) no finished trial in $log0 or $log1 after 150 s"
    exit 1
  fi
  sleep 0.05
done
wait_job_end "$b_merge" 240
fact b_merge_state "$JOB_STATE"
for t in 0 1; do
  fact "b_task${t}_state" "$(job_field "${b_array}_$t" JobState)"
  fact "b_task${t}_restarts" "$(job_field "${b_array}_$t" Restarts)"
done
say "(b) array $b_array and merge $b_merge: merge $JOB_STATE"
say "done"
