#!/usr/bin/env bash
# Installs the Debian packages GrokScope needs (only those missing), then
# configures and builds it. Sourced by run.sh and test.sh; safe to re-run.
set -euo pipefail

GROKSCOPE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
GROKSCOPE_BUILD_DIR="${GROKSCOPE_BUILD_DIR:-$GROKSCOPE_ROOT/build}"

packages=(
  build-essential cmake ninja-build git pkg-config
  libtorch-dev libopenblas0-pthread libeigen3-dev nlohmann-json3-dev
  qt6-base-dev qt6-svg-dev libqcustomplot-dev
  xvfb xauth
  # The slurm tests start a private Slurm from these (tests/slurm/slurm_cluster.h); the
  # packages start no service and create no /etc/slurm/slurm.conf, and none is written here.
  slurmctld slurmd slurm-client
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# LibTorch calls the system BLAS; without OpenBLAS it falls back to the reference
# BLAS, about 12x slower on matrix products.
if ! readlink -f /etc/alternatives/libblas.so.3-x86_64-linux-gnu 2>/dev/null | grep -q openblas; then
  echo "setup: warning: libblas.so.3 does not point to OpenBLAS; training will be slow" >&2
fi

cmake -S "$GROKSCOPE_ROOT" -B "$GROKSCOPE_BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release ${GROKSCOPE_CMAKE_ARGS:-} >/dev/null
# Two jobs: a torch translation unit needs ~1.5 GB of memory and the machine has 2 cores.
cmake --build "$GROKSCOPE_BUILD_DIR" -j "${GROKSCOPE_JOBS:-2}"
