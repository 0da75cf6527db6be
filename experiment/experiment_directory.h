#pragma once
// The experiment's directory on disk: DIR/spec.json, the run paths the runner writes
// through, and the summary files. Shared by the runner, `experiment --summary-only`,
// `experiment-summary` and `replicate`.

#include "experiment_plan.h"
#include "experiment_spec.h"
#include "experiment_summary.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace grokscope::experiment {

// DIR/spec.json must be absent or hold the same spec; throws ConfigError otherwise.
// Creates DIR and writes the spec there when absent.
void prepareDirectory(const ExperimentSpec& spec, const std::filesystem::path& outDirectory);

// Throws RunLogError when a run's directory, its arm's directory, its config or its
// log is a symbolic link (it would lead out of the experiment's directory) or not the
// kind of entry the runner writes there.
void refuseUnsafeRunPaths(const std::vector<PlannedRun>& runs);

// Renames a broken run's directory to <dir>.broken-<n> (the first free n); returns it.
std::filesystem::path moveAside(const std::filesystem::path& directory);

// Writes `text` under a temporary name and renames it over `path`, so a reader never
// sees half a file and a link at `path` is replaced, not written through.
void writeFileAtomically(const std::filesystem::path& path, const std::string& text);

// Adds `seconds` to the wall time recorded in `file` ({"seconds": S}) and returns the
// new total: how long an experiment (experiment_time.json, written by the runner) or
// the replicate protocol (replicate_time.json) took over all its invocations, even when
// stopped and resumed. The file is only ours: one that cannot be read as such (not
// JSON, too deep) counts as zero, but a FIFO in its place is refused (reading it would
// block: RunLogError), and it is replaced by a rename, never written through.
double addToCumulativeSeconds(const std::filesystem::path& file, double seconds);
// The total recorded in `file`, or nullopt when there is none.
std::optional<double> cumulativeSeconds(const std::filesystem::path& file);

// Reads every planned run's log (inspectRun), in plan order.
std::vector<RunRecord> inspectRuns(const ExperimentSpec& spec, const std::vector<PlannedRun>& runs);

// Writes summary.md, summary.csv and runs.csv from the records; returns summary.md's text.
std::string writeSummary(const ExperimentSpec& spec, const std::filesystem::path& outDirectory,
                         const std::vector<RunRecord>& records);

}  // namespace grokscope::experiment
