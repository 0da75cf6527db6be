#pragma once
// `grokscope-cli forecast RUN_DIR...`: fits the grokking forecast on finished runs
// (docs/science.md, "Forecast") and validates it leave-one-seed-out.

#include "cli_arguments.h"

namespace grokscope::cli {

int forecastCommand(const Arguments& args);

}  // namespace grokscope::cli
