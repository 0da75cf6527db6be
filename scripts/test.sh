#!/usr/bin/env bash
# Install what is missing, build, and run every test CI can afford (labels unit,
# slow, gui and slurm; GUI tests use Qt's offscreen platform, so no display is needed;
# the slurm tests start their own slurmctld and slurmd on loopback).
# GROKSCOPE_SANITIZE_TESTS=1 adds the sanitizer stage: the unit label (the fuzz corpus
# included) again in an AddressSanitizer + UndefinedBehaviorSanitizer build in
# build-asan/. It is off by default until its time in CI is measured (README,
# "Reliability").
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
(cd "$GROKSCOPE_BUILD_DIR" && ctest --output-on-failure -j2 --timeout 1500 "$@")

if [[ "${GROKSCOPE_SANITIZE_TESTS:-0}" != 0 ]]; then
  asan_dir="${GROKSCOPE_ASAN_BUILD_DIR:-$GROKSCOPE_ROOT/build-asan}"
  echo "test: sanitizer stage (ASan + UBSan) in $asan_dir"
  # No GUI and no benchmarks: the stage covers the engine, the CLI and the fuzz corpus.
  cmake -S "$GROKSCOPE_ROOT" -B "$asan_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DGROKSCOPE_SANITIZE=ON -DGROKSCOPE_BUILD_GUI=OFF -DGROKSCOPE_BUILD_BENCH=OFF >/dev/null
  cmake --build "$asan_dir" -j "${GROKSCOPE_JOBS:-2}"
  # LibTorch and Qt keep process-lifetime allocations that LeakSanitizer reports at exit;
  # leaks are not what this stage looks for, so it is off. Every other ASan and UBSan
  # report aborts the test.
  (cd "$asan_dir" && ASAN_OPTIONS="detect_leaks=0:abort_on_error=1" \
     UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
     ctest --output-on-failure -j2 --timeout 1500 -L unit)
fi
