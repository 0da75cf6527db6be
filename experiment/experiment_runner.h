#pragma once
// Runs an experiment's planned runs through a RunScheduler, at most `jobs` at once,
// and writes its summary. Rerunning on the same directory continues where it
// stopped: finished and failed runs are kept, unfinished ones resumed from their
// checkpoint, broken ones moved aside to <dir>.broken-<n> and started again. A run
// that follows another's ‖θ‖ (norm_reference_arm) starts after that run finished,
// and is skipped when it did not. Runs start in launch_plan.h's order (longest
// critical path first), which changes when each ends, never what it computes.

#include "experiment_directory.h"
#include "experiment_observer.h"
#include "run_scheduler.h"

#include <cstddef>
#include <filesystem>
#include <functional>

namespace grokscope::experiment {

struct RunnerOptions {
    int jobs = 1;
    // Polled between rounds; once true, running runs are cancelled (they checkpoint)
    // and nothing more is launched. The caller owns the signal handling behind it.
    std::function<bool()> stopRequested = [] { return false; };
};

enum class ExperimentOutcome {
    Completed,    // every run ended (finished or failed)
    Interrupted,  // a stop was requested; rerunning resumes
    Incomplete,   // some runs could not be completed (a child error, or skipped)
};

struct ExperimentResult {
    ExperimentOutcome outcome = ExperimentOutcome::Completed;
    std::size_t ended = 0, total = 0;
};

// Plans the runs, refuses unsafe paths (RunLogError) and a different spec in the
// directory (ConfigError) before anything is written, runs what is left, and writes
// the summary in every case that gets as far as running.
ExperimentResult runExperiment(const ExperimentSpec& spec, const std::filesystem::path& outDirectory,
                               const RunnerOptions& options, RunScheduler& scheduler, ExperimentObserver& observer);

}  // namespace grokscope::experiment
