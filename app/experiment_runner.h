#pragma once
// Runs an experiment's planned runs as child processes of grokscope-cli
// (`run` or `resume`), at most `jobs` at once, and writes its summary.
// Rerunning on the same directory continues where it stopped: finished and failed
// runs are kept, unfinished ones resumed from their checkpoint, broken ones moved
// aside to <dir>.broken-<n> and started again.

#include "experiment_spec.h"
#include "experiment_summary.h"

#include <filesystem>
#include <string>
#include <vector>

namespace grokscope::experiment {

struct RunnerOptions {
    std::string executable;  // the grokscope-cli binary that trains one run
    int jobs = 1;
    bool quiet = false;
};

// DIR/spec.json must be absent or hold the same spec; throws ConfigError otherwise.
void prepareDirectory(const ExperimentSpec& spec, const std::filesystem::path& outDirectory);

// Returns the exit code: 0 when every run ended, 130 when interrupted (SIGINT/SIGTERM
// are forwarded to the children, which checkpoint; rerunning resumes), 1 when some
// runs could not be completed. The summary is written in every case. Throws
// RunLogError, before writing anything, when a run's directory, its arm's directory,
// its config or its log is a symbolic link (it would lead out of outDirectory) or not
// the kind of entry the runner writes there.
int runExperiment(const ExperimentSpec& spec, const std::filesystem::path& outDirectory,
                  const RunnerOptions& options);

// Reads every planned run's log and writes summary.md, summary.csv and runs.csv.
// Returns summary.md's text.
std::string writeSummary(const ExperimentSpec& spec, const std::filesystem::path& outDirectory,
                         const std::vector<RunRecord>& records);
std::vector<RunRecord> inspectRuns(const ExperimentSpec& spec, const std::vector<PlannedRun>& runs);

}  // namespace grokscope::experiment
