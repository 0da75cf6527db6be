#!/usr/bin/env bash
# The main job: install what is missing, build, and train the default preset
# (z97-add, seed 0) headless with a live progress line. Extra arguments go to
# `grokscope-cli run`, e.g.  scripts/run.sh --preset s5 --seed 3
# `scripts/run.sh gui` opens the desktop app instead.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
if [[ "${1:-}" == "gui" ]]; then
  shift
  exec "$GROKSCOPE_BUILD_DIR/app/grokscope" "$@"
fi
has_preset=0
for a in "$@"; do [[ "$a" == --preset* ]] && has_preset=1; done
if ((has_preset)); then
  exec "$GROKSCOPE_BUILD_DIR/app/grokscope-cli" run "$@"
fi
exec "$GROKSCOPE_BUILD_DIR/app/grokscope-cli" run --preset z97-add --seed 0 "$@"
