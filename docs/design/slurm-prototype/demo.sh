#!/usr/bin/env bash
# End-to-end check of the loopback cluster: start, 4-task array with per-task files and exit
# codes, final states without slurmdbd, scancel of a running array, stop. Prints timings.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/gs-demo.XXXXXX")
T0=$(date +%s%N); ms() { echo $(( ($(date +%s%N) - T0) / 1000000 )); }
eval "$("$HERE/start_cluster.sh" "$W/cluster")"
trap '"$HERE/stop_cluster.sh" "$W/cluster"; rm -rf "$W"' EXIT
echo "[$(ms) ms] cluster up: $SLURM_CONF"
mkdir -p "$W/out"
cat > "$W/task.sh" <<'JOB'
#!/bin/bash
# $1: output dir (passed as an argument, never pasted into shell text)
echo "task $SLURM_ARRAY_TASK_ID of array $SLURM_ARRAY_JOB_ID (job $SLURM_JOB_ID)" > "$1/task_$SLURM_ARRAY_TASK_ID.txt"
sleep "${SLEEP:-0}"
exit $(( SLURM_ARRAY_TASK_ID == 3 ? 42 : 0 ))
JOB
wait_gone() {   # until no task of array $1 is pending/running/completing
  while squeue -h -j "$1" -o %i 2>/dev/null | grep -q .; do sleep 0.1; done
}
jid=$(sbatch --parsable --array=0-3 --output="$W/out/%A_%a.log" "$W/task.sh" "$W/out")
echo "[$(ms) ms] submitted array $jid"
wait_gone "$jid"
echo "[$(ms) ms] array $jid done; files: $(ls "$W/out" | grep task_ | tr '\n' ' ')"
echo "final states (scontrol, kept for MinJobAge):"
scontrol -o show job "$jid" | grep -oE 'ArrayTaskId=[0-9]+|JobState=[A-Z_]+|ExitCode=[0-9]+:[0-9]+' | paste - - - | sort
echo "final states (squeue --states=all):"
squeue -h --states=all -j "$jid" -o '%K %T %r' | sort
echo "final states (jobcomp/filetxt):"
grep -E " ArrayJobId=$jid " "$W/cluster/log/jobcomp.txt" \
  | grep -oE 'ArrayTaskId=[0-9]+|JobState=[A-Z_]+| ExitCode=[0-9]+:[0-9]+' | paste - - - | sort

t=$(ms)
jid=$(sbatch --parsable --array=0-5 --output="$W/out/%A_%a.log" --export=ALL,SLEEP=60 "$W/task.sh" "$W/out")
until [ "$(squeue -h -j "$jid" -t R -o %i | wc -l)" -ge 2 ]; do sleep 0.1; done
echo "[$(ms) ms] array $jid: 2 tasks running $(( $(ms) - t )) ms after submit; cancelling task 0, then the array"
scancel "${jid}_0"; sleep 1
scancel "$jid"; wait_gone "$jid"
echo "[$(ms) ms] cancelled:"
squeue -h --states=all -j "$jid" -o '%i %T %r' | sort
scontrol -o show job "$jid" | grep -oE 'ArrayTaskId=[0-9-]+|JobState=[A-Z_]+|ExitCode=[0-9]+:[0-9]+' | paste - - - | sort
echo "[$(ms) ms] stopping"
