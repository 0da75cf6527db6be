#!/usr/bin/env bash
# GrokScope vs. the PyTorch eager peer, side by side (bench/README.md). Builds nothing.
#
#   bench/run_side_by_side.sh [BUILD_DIR]     (default: build-bench, else build)
#
# Environment knobs: ROUNDS (3), THREADS ("1 2"), STEPS (300 timed steps at batch 512;
# full batch times STEPS/4), LOSS_STEPS (100), PYTHON (/usr/bin/python3: Debian's, which
# has python3-torch 1.13; the pyenv python3 on PATH has no torch), PEER_ARGS (extra peer
# options for the timing, e.g. --full-sequence for a notebook-style model that computes
# every position), GROK (1: also time the run to T_grok, z97-add seed 0, GROK_ROUNDS
# rounds, default 1; about 4 minutes a round). THREADS= (empty) skips the steps/s rounds.
#
# Thread settings, the same for both programs for each N in THREADS:
#   environment: OMP_NUM_THREADS=N OPENBLAS_NUM_THREADS=N MKL_NUM_THREADS=N;
#   GrokScope:   --threads N -> run.threads = N -> N threads each running a chunk of the
#                batch through FusedTransformer, openblas_set_num_threads(1) and
#                torch::set_num_threads(1) (core/train/engine_threads.cpp);
#   peer:        --threads N -> torch.set_num_threads(N); OpenBLAS reads OPENBLAS_NUM_THREADS.
# A third column runs the peer as fast as it goes here: torch.set_num_threads(1) with
# OPENBLAS_NUM_THREADS=N (its OpenMP and OpenBLAS pools then do not fight).
# Every JSON line reports the thread counts the program actually ran with.
# The programs alternate (C++, peer, C++, peer, ...) so that load from other processes
# falls on both; the ratio is taken between the medians of the rounds.

set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
build="${1:-}"
if [[ -z "$build" ]]; then
    for candidate in "$root/build-bench" "$root/build"; do
        if [[ -x "$candidate/bench/grokscope-bench" ]]; then build="$candidate"; break; fi
    done
fi
bench="${build:-$root/build-bench}/bench/grokscope-bench"
python="${PYTHON:-/usr/bin/python3}"
peer="$here/pytorch_peer.py"
rounds="${ROUNDS:-3}"
threads_list="${THREADS-1 2}"
steps="${STEPS:-300}"
loss_steps="${LOSS_STEPS:-100}"
read -r -a peer_args <<< "${PEER_ARGS:-}"
grok="${GROK:-0}"
grok_rounds="${GROK_ROUNDS:-1}"

if [[ ! -x "$bench" ]]; then
    echo "run_side_by_side: $bench not found; build it first:" >&2
    echo "  cmake -S $root -B $root/build-bench -G Ninja -DGROKSCOPE_BUILD_GUI=OFF -DGROKSCOPE_BUILD_TESTS=OFF" >&2
    echo "  ninja -C $root/build-bench grokscope-bench" >&2
    exit 1
fi
"$python" -c 'import torch' 2>/dev/null || { echo "run_side_by_side: $python has no torch" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "# machine: $(nproc) cores, $(uptime | sed 's/.*load average/load average/')"
echo "# grokscope-bench: $bench"
echo "# peer: $python $peer ${peer_args[*]:-}"

# --- loss agreement: the first LOSS_STEPS minibatch losses of z97-add seed 0, 1 thread ---
# The engine's default path, its plain path (model.lookup_tables=false), the peer, and the
# peer with --full-sequence. The last pair is the same math rounded differently: AdamW
# turns one-ulp differences into loss differences of ~1e-3 within 100 steps, so that pair
# measures the floor a reordered but correct computation reaches.
(
    export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
    "$bench" --threads 1 --dump-losses "$loss_steps" "$work/losses_cpp.txt" > /dev/null
    "$bench" --threads 1 --set model.lookup_tables=false \
        --dump-losses "$loss_steps" "$work/losses_cpp_plain.txt" > /dev/null
    "$python" "$peer" --threads 1 --dump-losses "$loss_steps" "$work/losses_peer.txt" > /dev/null
    "$python" "$peer" --threads 1 --full-sequence \
        --dump-losses "$loss_steps" "$work/losses_peer_full.txt" > /dev/null
)
"$python" - "$work" <<'EOF'
import json, sys
work = sys.argv[1]
def load(name):
    return [float(x) for x in open("%s/losses_%s.txt" % (work, name))]
def compare(a, b):
    x, y = load(a), load(b)
    d = [abs(p - q) for p, q in zip(x, y)]
    worst = max(range(len(d)), key=d.__getitem__)
    first = next((i + 1 for i, v in enumerate(d) if v > 0), None)
    return {"steps": len(d), "max_abs_diff": d[worst], "at_step": worst + 1,
            "first_differing_step": first, "max_abs_diff_first_10": max(d[:10]),
            "loss_first": [x[0], y[0]], "loss_last": [x[-1], y[-1]]}
floor = compare("peer", "peer_full")
plain = compare("cpp_plain", "peer")
default = compare("cpp", "peer")
tolerance = max(1e-4, 2 * floor["max_abs_diff"])
print(json.dumps(dict(figure="loss_agreement", pair="grokscope plain path vs pytorch",
                      tolerance=1e-4, agree=plain["max_abs_diff"] < 1e-4, **plain)))
print(json.dumps(dict(figure="loss_agreement", pair="grokscope default path vs pytorch",
                      tolerance=tolerance, agree=default["max_abs_diff"] <= tolerance, **default)))
print(json.dumps(dict(figure="loss_agreement_floor", pair="pytorch vs pytorch --full-sequence", **floor)))
EOF

# --- throughput, alternating ---
for n in $threads_list; do
    export OMP_NUM_THREADS="$n" OPENBLAS_NUM_THREADS="$n" MKL_NUM_THREADS="$n"
    for ((r = 1; r <= rounds; ++r)); do
        "$bench" --threads "$n" --steps "$steps" --steps-only | tee -a "$work/cpp_$n.jsonl"
        "$python" "$peer" --threads "$n" --steps "$steps" "${peer_args[@]}" | tee -a "$work/peer_$n.jsonl"
        "$python" "$peer" --threads 1 --steps "$steps" "${peer_args[@]}" | tee -a "$work/peerblas_$n.jsonl"
    done
done
unset OMP_NUM_THREADS OPENBLAS_NUM_THREADS MKL_NUM_THREADS

"$python" - "$work" $threads_list <<'EOF'
import json, statistics, sys
work, threads = sys.argv[1], sys.argv[2:]
print("# median steps/s over the rounds; ratio = GrokScope / PyTorch")
print("# pytorch: torch.set_num_threads(N); pytorch-blas: torch 1 thread, OpenBLAS N")
print("%-8s %-6s %6s %12s %12s %7s %13s %7s" % ("threads", "batch", "rounds", "grokscope", "pytorch", "ratio",
                                              "pytorch-blas", "ratio"))
for n in threads:
    def load(side):
        rows = [json.loads(l) for l in open("%s/%s_%s.jsonl" % (work, side, n))]
        rows = [r for r in rows if r["figure"] == "steps_per_s"]
        values, batches = {}, {}
        for r in rows:
            values.setdefault(r["batch_mode"], []).append(r["value"])
            batches[r["batch_mode"]] = r["batch"]
        return values, batches
    cpp, batches = load("cpp")
    peer, _ = load("peer")
    blas, _ = load("peerblas")
    for mode in ("sampled", "full"):
        c, p, b = (statistics.median(x[mode]) for x in (cpp, peer, blas))
        print("%-8s %-6s %6d %12.2f %12.2f %7.2f %13.2f %7.2f" % (n, batches[mode], len(cpp[mode]), c, p, c / p,
                                                                b, c / b))
        print(json.dumps({"figure": "side_by_side", "threads": int(n), "batch_mode": mode,
                          "batch": batches[mode], "grokscope_steps_per_s": c,
                          "pytorch_steps_per_s": p, "ratio": c / p,
                          "pytorch_torch1_openblasN_steps_per_s": b, "ratio_vs_torch1_openblasN": c / b,
                          "grokscope_rounds": cpp[mode], "pytorch_rounds": peer[mode],
                          "pytorch_torch1_openblasN_rounds": blas[mode]}))
EOF

# --- time to T_grok, alternating (GROK=1) ---
# Wall time from start (dataset and model built inside it) to the first evaluation with
# test accuracy >= 0.99, evaluating every 100 steps. GrokScope's cadence also computes
# the spectrum and the diagnostics at every evaluation; the peer's evaluates loss and
# accuracy only. GrokScope runs its default 2 threads; the peer its fastest setting
# here (torch 1 thread, OpenBLAS 2), once as the engine's model and once with
# --full-sequence, the way a notebook computes it.
[[ "$grok" == 1 ]] || exit 0
export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2
for ((r = 1; r <= grok_rounds; ++r)); do
    "$bench" --threads 2 --grok-only | tee -a "$work/grok_cpp.jsonl"
    "$python" "$peer" --threads 1 --grok-only | tee -a "$work/grok_peer.jsonl"
    "$python" "$peer" --threads 1 --grok-only --full-sequence | tee -a "$work/grok_peer_full.jsonl"
done
unset OMP_NUM_THREADS OPENBLAS_NUM_THREADS MKL_NUM_THREADS
"$python" - "$work" <<'EOF'
import json, statistics, sys
work = sys.argv[1]
def load(side, figure):
    rows = [json.loads(l) for l in open("%s/grok_%s.jsonl" % (work, side))]
    rows = [r for r in rows if r["figure"] == figure]
    return [r["wall_s"] for r in rows], [r["grok_step"] for r in rows]
cpp, cpp_steps = load("cpp", "time_to_grok_s")
peer, peer_steps = load("peer", "time_to_grok")
full, full_steps = load("peer_full", "time_to_grok")
c, p, f = (statistics.median(x) for x in (cpp, peer, full))
print("# median wall seconds to T_grok over %d round(s); ratio = PyTorch / GrokScope" % len(cpp))
print("%-34s %10s %10s %7s" % ("program", "wall_s", "T_grok", "ratio"))
print("%-34s %10.1f %10s %7s" % ("grokscope (2 threads)", c, cpp_steps[-1], ""))
print("%-34s %10.1f %10s %7.2f" % ("pytorch (torch 1, OpenBLAS 2)", p, peer_steps[-1], p / c))
print("%-34s %10.1f %10s %7.2f" % ("pytorch --full-sequence (same)", f, full_steps[-1], f / c))
print(json.dumps({"figure": "time_to_grok_side_by_side", "grokscope_wall_s": cpp, "grokscope_grok_step": cpp_steps,
                  "pytorch_wall_s": peer, "pytorch_grok_step": peer_steps,
                  "pytorch_full_sequence_wall_s": full, "pytorch_full_sequence_grok_step": full_steps,
                  "ratio": p / c, "ratio_full_sequence": f / c}))
EOF
