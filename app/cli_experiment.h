#pragma once
// grokscope-cli experiment SPEC.json --out DIR: many seeds × arms, run as parallel
// child processes (or, with --backend slurm, as job arrays: cli_slurm.h), resumable,
// with a statistical summary per arm.

#include "cli_arguments.h"
#include "experiment_spec.h"

#include <filesystem>
#include <string>

namespace grokscope::cli {

int experimentCommand(const Arguments& args);
// Recomputes DIR/summary.md, summary.csv and runs.csv from the logs, running nothing.
int experimentSummaryCommand(const Arguments& args);

// The running grokscope-cli binary, which the runner starts once per run.
std::string thisExecutable();

// Runs the experiment as child processes of this binary, reporting to the console,
// stopped by the CLI's stop request (cli_stop_signal.h). Returns the exit code: 0 when
// every run ended, 130 when interrupted (the children checkpoint; rerunning resumes),
// 1 when some runs could not be completed. The summary is written in every case.
int runExperimentInConsole(const experiment::ExperimentSpec& spec, const std::filesystem::path& directory, int jobs,
                           bool quiet);

}  // namespace grokscope::cli
