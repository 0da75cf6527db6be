#pragma once
// grokscope-cli replicate: the paper's whole protocol with N seeds, then a report.

#include "cli_arguments.h"

namespace grokscope::cli {

int replicateCommand(const Arguments& args);

}  // namespace grokscope::cli
