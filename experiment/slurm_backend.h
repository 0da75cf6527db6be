#pragma once
// `experiment --backend slurm`: an experiment's runs submitted as Slurm job arrays,
// one array per arm and array index = the seed's index in the spec (README, "Running
// on a cluster"). Rerunning resubmits what needs it: finished runs are kept, queued
// or running ones left alone, stopped, cancelled and never-submitted ones submitted
// (resuming from a checkpoint where there is one), failed ones only when asked. An
// arm that follows another's ‖θ‖ depends on it per task (aftercorr).

#include "experiment_plan.h"
#include "experiment_spec.h"
#include "experiment_status.h"
#include "run_scheduler.h"
#include "slurm_client.h"
#include "slurm_files.h"
#include "slurm_options.h"

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace grokscope::experiment {

// What a rerun does with one run.
enum class SubmitAction {
    Keep,      // ended (finished, or failed without --retry-failed)
    InQueue,   // pending or running in Slurm: not submitted twice
    Submit,    // submit: the task starts it, or resumes it from its checkpoint
    Blocked,   // its norm reference failed: not submitted
};

// From the runs' statuses (plan order). A failed run is resubmitted only with retryFailed.
std::vector<SubmitAction> chooseActions(const std::vector<PlannedRun>& runs,
                                        const std::vector<ExperimentRunStatus>& statuses, bool retryFailed);

// Which array a submitted run's task waits for.
struct Dependency {
    enum Kind { None, OnThisSubmission, OnQueued } kind = None;
    std::string array;  // OnQueued: the reference task's array
};
// For run `run` (Submit): none without a reference or when the reference finished;
// the reference's new array when it is submitted now; its queued array when it is
// pending or running.
Dependency chooseDependency(const std::vector<PlannedRun>& runs, const std::vector<ExperimentRunStatus>& statuses,
                            const std::vector<SubmitAction>& actions, std::size_t run);

struct SlurmSubmitOptions {
    SlurmOptions slurm;
    bool retryFailed = false;
    std::filesystem::path executable;  // absolute: the grokscope-cli the tasks run
};

struct SubmittedArray {
    std::size_t arm = 0;
    std::string job;
    std::vector<std::size_t> tasks;
    std::string dependency;
};

struct SlurmSubmitResult {
    std::vector<SubmittedArray> arrays;
    std::size_t kept = 0, inQueue = 0, submitted = 0;
    std::vector<std::size_t> blocked;  // run indices not submitted: their reference failed
};

// Plans, checks paths and DIR/spec.json as the local backend does, moves broken runs
// (and, with retryFailed, failed ones) aside, writes the configs and the scripts, and
// submits. `movedAside` is told of each directory renamed.
SlurmSubmitResult submitExperiment(
    const ExperimentSpec& spec, const std::filesystem::path& directory, const SlurmSubmitOptions& options,
    SlurmClient& client,
    const std::function<void(const std::filesystem::path&, const std::filesystem::path&, const std::string&)>& movedAside);

// The summary's records, as the local runner leaves them: a task that ended with an
// error has "grokscope-cli exit code N" in its detail, and a run whose reference ended
// without finishing is Skipped.
std::vector<RunRecord> slurmSummaryRecords(const ExperimentSpec& spec, const std::vector<PlannedRun>& runs,
                                           const std::filesystem::path& directory);

// What experiment-task carries out for one (arm, seed index).
struct TaskLaunch {
    PlannedRun run;
    std::optional<Launch> launch;  // nullopt: the run has already ended
    int endedExitCode = 0;         // when it has: 0 finished, 3 failed
    std::filesystem::path exitFile;
    std::string job;               // "<array>_<task>" from Slurm's environment, or empty
};
// Rebuilds the plan from DIR/spec.json; throws ConfigError for an arm or seed index
// out of range. Moves a broken run aside (so it starts again) and writes the config of
// a run to start.
TaskLaunch prepareTask(const std::filesystem::path& directory, std::size_t arm, std::size_t seedIndex);

}  // namespace grokscope::experiment
