#pragma once
// grokscope-cli's commands behind one entry point. Errors are caught here and become
// one line on stderr and an exit code: 2 for bad input (config, spec, option), 3 for a
// bad run log or run directory, or a run that failed (it diverged, or its disk is full);
// 1 only for an internal error, which is a bug.

namespace grokscope::cli {

int dispatch(int argc, char** argv);

}  // namespace grokscope::cli
