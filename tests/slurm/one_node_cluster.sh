# A private one-node Slurm cluster for tests (munged, slurmctld, slurmd; high ports, every
# file in one directory). Source it: cluster_install, cluster_start DIR, cluster_stop.
# shellcheck shell=bash

CLUSTER_DIR=""
CLUSTER_PIDS=()
CLUSTER_NODE=""

# Installs the daemons when missing; returns 1 with a reason on stdout when it cannot.
cluster_install() {
  local need=() p
  for p in slurmctld slurmd slurm-client munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
  done
  ((${#need[@]} == 0)) && return 0
  if ! command -v apt-get >/dev/null; then
    echo "${need[*]} not installed and no apt-get to install them"
    return 1
  fi
  echo "installing ${need[*]}" >&2
  # The packages' scripts must not start system-wide daemons: this cluster is private.
  local policy=/usr/sbin/policy-rc.d made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
  fi
  local ok=0
  if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      "${need[@]}" >"${TMPDIR:-/tmp}/qrsweep-slurm-apt.log" 2>&1; then
    ok=1
  elif apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -qq --no-install-recommends "${need[@]}" \
      >"${TMPDIR:-/tmp}/qrsweep-slurm-apt.log" 2>&1; then
    ok=1
  fi
  ((made_policy)) && rm -f "$policy"
  if ((!ok)); then
    echo "apt-get could not install ${need[*]} (see ${TMPDIR:-/tmp}/qrsweep-slurm-apt.log)"
    return 1
  fi
}

# A TCP port on 127.0.0.1 that nothing listens on, from $1 upwards.
cluster_free_port() {
  local p=$1
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$((p + 1)); done
  echo "$p"
}

cluster_log_tail() {
  local f
  for f in "$CLUSTER_DIR"/log/*; do
    [ -s "$f" ] || continue
    echo "---- $f (last 25 lines)"
    tail -n 25 "$f"
  done
}

cluster_start() {
  CLUSTER_DIR=$1
  mkdir -p "$CLUSTER_DIR"/{state,spool,log,run}
  chmod 700 "$CLUSTER_DIR"
  CLUSTER_NODE=$(hostname -s)
  local ctld_port slurmd_port cpus mem_kb mem_mb
  ctld_port=$(cluster_free_port 16817)
  slurmd_port=$(cluster_free_port $((ctld_port + 1)))
  cpus=$(nproc)
  mem_kb=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
  mem_mb=$((mem_kb * 8 / 10 / 1024))
  ((mem_mb >= 100)) || mem_mb=100

  mungekey --create --keyfile="$CLUSTER_DIR/munge.key" >/dev/null
  chmod 400 "$CLUSTER_DIR/munge.key"
  munged --foreground --force --socket="$CLUSTER_DIR/run/munge.sock" \
    --key-file="$CLUSTER_DIR/munge.key" --log-file="$CLUSTER_DIR/log/munged.log" \
    --pid-file="$CLUSTER_DIR/run/munged.pid" --seed-file="$CLUSTER_DIR/run/munged.seed" \
    >>"$CLUSTER_DIR/log/munged.out" 2>&1 &
  CLUSTER_PIDS+=($!)

  # cred_expire also delays a requeued job's restart (slurm.conf(5)): keep it short.
  cat >"$CLUSTER_DIR/slurm.conf" <<EOF
ClusterName=qrsweeptest
SlurmctldHost=$CLUSTER_NODE(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$CLUSTER_DIR/run/munge.sock,cred_expire=10
StateSaveLocation=$CLUSTER_DIR/state
SlurmdSpoolDir=$CLUSTER_DIR/spool
SlurmctldPidFile=$CLUSTER_DIR/run/slurmctld.pid
SlurmdPidFile=$CLUSTER_DIR/run/slurmd.pid
SlurmctldLogFile=$CLUSTER_DIR/log/slurmctld.log
SlurmdLogFile=$CLUSTER_DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
KillWait=5
MinJobAge=900
NodeName=$CLUSTER_NODE NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$CLUSTER_NODE Default=YES MaxTime=INFINITE State=UP
EOF
  export SLURM_CONF="$CLUSTER_DIR/slurm.conf"

  local i
  for i in $(seq 50); do [ -S "$CLUSTER_DIR/run/munge.sock" ] && break; sleep 0.1; done
  [ -S "$CLUSTER_DIR/run/munge.sock" ] || { echo "munged did not start"; return 1; }
  slurmctld -D -f "$SLURM_CONF" >>"$CLUSTER_DIR/log/slurmctld.out" 2>&1 &
  CLUSTER_PIDS+=($!)
  for i in $(seq 100); do scontrol ping 2>/dev/null | grep -q "is UP" && break; sleep 0.2; done
  scontrol ping 2>/dev/null | grep -q "is UP" || { echo "slurmctld did not come up"; return 1; }
  slurmd -D -N "$CLUSTER_NODE" -f "$SLURM_CONF" >>"$CLUSTER_DIR/log/slurmd.out" 2>&1 &
  CLUSTER_PIDS+=($!)
  for i in $(seq 150); do
    scontrol show node "$CLUSTER_NODE" 2>/dev/null | grep -q "State=IDLE" && return 0
    sleep 0.2
  done
  echo "node $CLUSTER_NODE did not become idle:"
  scontrol show node "$CLUSTER_NODE" 2>&1 | head -20
  return 1
}

# Processes that have their working directory or an open file under the cluster's
# directory or under $CLUSTER_JOBS_DIR (where the caller's jobs run and write): job steps
# and their children, which outlive a stopped slurmd.
CLUSTER_JOBS_DIR=""
cluster_leftover_pids() {
  local p link target
  for p in /proc/[0-9]*; do
    p=${p#/proc/}
    case "$p" in "$$" | "$BASHPID" | "$PPID") continue ;; esac
    for link in /proc/"$p"/cwd /proc/"$p"/fd/*; do
      target=$(readlink "$link" 2>/dev/null) || continue
      if [[ "$target" == "$CLUSTER_DIR"/* ]] ||
          [[ -n "$CLUSTER_JOBS_DIR" && "$target" == "$CLUSTER_JOBS_DIR"/* ]]; then
        echo "$p"
        break
      fi
    done
  done
}

cluster_stop() {
  [ -n "$CLUSTER_DIR" ] || return 0
  local i pid
  if ((${#CLUSTER_PIDS[@]} > 1)) && kill -0 "${CLUSTER_PIDS[1]}" 2>/dev/null; then
    scancel --user="$(id -un)" >/dev/null 2>&1 || true
    for i in $(seq 50); do
      [ -z "$(squeue -h -t RUNNING,COMPLETING 2>/dev/null)" ] && break
      sleep 0.2
    done
  fi
  # Daemons in reverse order of their start: slurmd, slurmctld, munged.
  for ((i = ${#CLUSTER_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${CLUSTER_PIDS[i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  for pid in $(cluster_leftover_pids); do kill -KILL "$pid" 2>/dev/null || true; done
  CLUSTER_PIDS=()
}
