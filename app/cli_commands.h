#pragma once

#include "cli_arguments.h"

namespace grokscope::cli {

int runCommand(const Arguments& args);
int resumeCommand(const Arguments& args);
int datasetCommand(const Arguments& args);
int presetsCommand(const Arguments& args);
int keysCommand(const Arguments& args);
int configCommand(const Arguments& args);
int summaryCommand(const Arguments& args);

// Set by SIGINT/SIGTERM: the loop stops between steps and closes the run cleanly.
void installStopHandler();

}  // namespace grokscope::cli
