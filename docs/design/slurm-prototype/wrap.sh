#!/bin/bash
#SBATCH --output=/tmp/slurm-proto/out/wrap_%A_%a.out
# wrapper pattern: run the payload as a child, survive SIGTERM, record the payload's exit status
f=/tmp/slurm-proto/out/wrap_$SLURM_ARRAY_TASK_ID.exit
trap 'echo "wrapper got TERM $(date +%T.%N)"' TERM
/tmp/slurm-proto/child.sh wrap_$SLURM_ARRAY_TASK_ID &
pid=$!
while :; do wait $pid; rc=$?; kill -0 $pid 2>/dev/null || break; done
echo "$rc" > "$f.tmp" && mv "$f.tmp" "$f"
exit $rc
