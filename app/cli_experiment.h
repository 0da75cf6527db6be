#pragma once
// grokscope-cli experiment SPEC.json --out DIR: many seeds × arms, run as parallel
// child processes, resumable, with a statistical summary per arm.

#include "cli_arguments.h"

#include <string>
#include <vector>

namespace grokscope::cli {

int experimentCommand(const Arguments& args);
// The running grokscope-cli binary, which the runner starts once per run.
std::string thisExecutable();
// Throws ConfigError naming the first option, flag or key=value the command does not
// take: a mistyped --job would otherwise be ignored and the default used silently.
void requireKnownOptions(const Arguments& args, const std::vector<std::string>& options,
                         const std::vector<std::string>& flags);
// Recomputes DIR/summary.md, summary.csv and runs.csv from the logs, running nothing.
int experimentSummaryCommand(const Arguments& args);

}  // namespace grokscope::cli
