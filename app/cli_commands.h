#pragma once
// The single-run commands of grokscope-cli: run, resume, dataset, presets, keys,
// config, summary.

#include "cli_arguments.h"

namespace grokscope::cli {

int runCommand(const Arguments& args);
int resumeCommand(const Arguments& args);
int datasetCommand(const Arguments& args);
int presetsCommand(const Arguments& args);
int keysCommand(const Arguments& args);
int configCommand(const Arguments& args);
int summaryCommand(const Arguments& args);

}  // namespace grokscope::cli
