#!/usr/bin/env bash
# Stop the private cluster in DIR: cancel its jobs, shut both daemons down, kill leftovers, rm DIR.
#   stop_cluster.sh DIR      (KEEP=1 keeps DIR)
D=$(cd "$1" && pwd -P)
export SLURM_CONF="$D/slurm.conf"
T0=$(date +%s%N)
ms() { echo $(( ($(date +%s%N) - T0) / 1000000 )); }
# running and not a zombie (a daemon whose parent is gone may stay a zombie where init doesn't reap)
alive() { ps -o stat= -p "$(cat "$D/$1.bgpid" 2>/dev/null || echo 0)" 2>/dev/null | grep -q '^[^Z]'; }
if alive slurmctld; then
  # jobs first: slurmd's shutdown leaves running job steps (slurmstepd + the job) alive
  timeout 5 scancel --user="$(id -un)" 2>/dev/null || true
  for _ in $(seq 1 100); do      # KillWait (5 s) + margin
    timeout 2 squeue -h -t R,CG,CF,S -o %i 2>/dev/null | grep -q . || break; sleep 0.1
  done
  timeout 5 scontrol shutdown >/dev/null 2>&1 || true
fi
for p in slurmctld slurmd; do
  pid=$(cat "$D/$p.bgpid" 2>/dev/null) || continue
  alive $p && ! alive slurmctld && [ $p = slurmd ] && kill "$pid" 2>/dev/null   # no ctld to tell it
  for _ in $(seq 1 100); do alive $p || break; sleep 0.1; done
  alive $p && { echo "$p $pid still alive after 10 s: SIGKILL" >&2; kill -9 "$pid"; }
done
# leftover job steps of THIS cluster (e.g. the daemons were killed): a slurmstepd has our
# DIR/log/slurmd.log open; kill its whole session (slurmstepd + the job's processes)
for pid in $(pgrep -x slurmstepd); do
  ls -l /proc/$pid/fd 2>/dev/null | grep -q " $D/" || continue
  sid=$(ps -o sid= -p "$pid" | tr -d ' ')
  echo "leftover slurmstepd $pid (session $sid): SIGKILL" >&2
  pkill -9 -s "$sid" 2>/dev/null || kill -9 "$pid"
done
echo "stopped in $(ms) ms" >&2
[ "${KEEP:-0}" = 1 ] || rm -rf "$D"
