#pragma once
// grokscope-cli experiment-status DIR [--watch [S]] and experiment-cancel DIR: where
// each run of an experiment stands (local or Slurm), and cancelling what Slurm still
// has queued or running.

#include "cli_arguments.h"

namespace grokscope::cli {

int experimentStatusCommand(const Arguments& args);
int experimentCancelCommand(const Arguments& args);

}  // namespace grokscope::cli
