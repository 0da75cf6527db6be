#pragma once
// grokscope-cli experiment SPEC.json --out DIR: many seeds × arms, run as parallel
// child processes, resumable, with a statistical summary per arm.

#include "cli_arguments.h"

namespace grokscope::cli {

int experimentCommand(const Arguments& args);
// Recomputes DIR/summary.md, summary.csv and runs.csv from the logs, running nothing.
int experimentSummaryCommand(const Arguments& args);

}  // namespace grokscope::cli
