#!/bin/bash
# stands in for grokscope-cli: on TERM, "checkpoint" for 3 s, then exit 143
f=/tmp/slurm-proto/out/child_$1.txt
echo "child start $(date +%T.%N)" > $f
trap 'echo "child TERM $(date +%T.%N)" >> $f; sleep ${CKPT:-3}; echo "child checkpoint done $(date +%T.%N)" >> $f; exit 143' TERM
while :; do sleep 0.2; done
