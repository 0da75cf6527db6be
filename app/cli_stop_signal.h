#pragma once
// The CLI's one stop request: SIGINT, SIGTERM and SIGHUP set it. A run polls it
// between steps and closes cleanly with a checkpoint; an experiment polls it between
// rounds and asks its running runs to do the same.

namespace grokscope::cli {

// Installed once by cli::dispatch, before any command runs.
void installStopHandler();
bool stopRequested();

}  // namespace grokscope::cli
