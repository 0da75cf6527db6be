#!/usr/bin/env bash
# Install what is missing, build, and run every test CI can afford (labels unit,
# slow and gui; GUI tests use Qt's offscreen platform, so no display is needed).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
cd "$GROKSCOPE_BUILD_DIR"
ctest --output-on-failure -j2 --timeout 1500 "$@"
