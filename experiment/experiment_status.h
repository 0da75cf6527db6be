#pragma once
// Where each run of an experiment stands, for `grokscope-cli experiment-status` and
// for a view that follows an experiment directory (local or on a cluster's shared
// filesystem). Sources, in order: the run's log (an end event decides), the queue
// (Slurm's squeue, for the latest submission of the run), the exit file the task
// wrote, and what was submitted (DIR/slurm/submissions.jsonl). A submitted task
// missing from all of them was cancelled while pending, which leaves no trace.

#include "experiment_plan.h"
#include "experiment_spec.h"
#include "experiment_summary.h"
#include "slurm_client.h"
#include "slurm_files.h"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace grokscope::experiment {

enum class RunState {
    NotSubmitted,  // nothing on disk, never submitted
    Pending,       // queued in Slurm
    Running,       // running in Slurm (or, for a local run, its log written in the last 2 minutes)
    Finished,      // a "finished" event (grokked when tGrok is set)
    Failed,        // a "failed"/"nan" event, or its task ended with an error
    Stopped,       // ended without finishing; resumable from `step` when it has a checkpoint
    Cancelled,     // submitted, then gone from the queue without running to an end
};

// One run's state: a plain value, for the CLI and for a GUI.
struct ExperimentRunStatus {
    std::size_t armIndex = 0;
    std::string arm;
    unsigned long long seed = 0;
    std::size_t seedIndex = 0;  // the seed's index in the spec: its array task id
    RunState state = RunState::NotSubmitted;
    long step = 0;                  // last evaluated step
    std::optional<int> exitCode;    // Failed: the task's exit code when known
    std::optional<long> tGrok;      // Finished and grokked
    std::string job;                // "<array>_<task>" of the latest submission, or empty
    std::string detail;             // Failed: the log's message; Stopped without checkpoint: why
    bool resumable = false;         // a checkpoint to resume from

    bool active() const { return state == RunState::Pending || state == RunState::Running; }
    bool ended() const { return state == RunState::Finished || state == RunState::Failed; }
};

// "pending", "running at step N", "grokked at T", "finished", "failed with exit code N",
// "cancelled", "stopped at step N", "not submitted".
std::string describeRunState(const ExperimentRunStatus& status);

// Everything known about one run, gathered from disk and the queue.
struct RunEvidence {
    RunRecord record;                    // inspectRun of its directory
    bool stoppedEvent = false;           // its log's last "stopped"/"resumed" event is "stopped"
    bool recentlyWritten = false;        // its log changed in the last 2 minutes (local runs)
    std::optional<std::string> job;      // the latest submission's "<array>_<task>"; nullopt: none
    std::optional<QueueTask> queued;     // that task in squeue's answer
    std::optional<TaskExit> exit;        // its exit file
};

// The rules above, for one run; fills state, step, exitCode, tGrok, detail, resumable, job.
void classifyRun(const RunEvidence& evidence, ExperimentRunStatus& status);

// The latest submission of each planned run: run index -> (array job id); nullopt
// when never submitted. Runs are matched by arm index and seed index.
std::vector<std::optional<std::string>> latestArrays(const std::vector<PlannedRun>& runs,
                                                     const std::vector<unsigned long long>& seeds,
                                                     const std::vector<SubmissionRecord>& submissions);

// The seed's index in the spec's seed list.
std::size_t seedIndex(const ExperimentSpec& spec, unsigned long long seed);

// Every planned run's status, in plan order. `client` may be null (no Slurm here, or a
// local experiment): then the queue is not asked, and submitted runs are classified
// from their logs and exit files only. Throws RunLogError for a corrupt submissions.jsonl.
std::vector<ExperimentRunStatus> experimentStatus(const ExperimentSpec& spec, const std::vector<PlannedRun>& runs,
                                                  const std::filesystem::path& directory, SlurmClient* client);

// "3 runs: 1 finished, 2 running": one arm's counts, states in the enum's order.
std::string countLine(const std::vector<ExperimentRunStatus>& armStatuses);

}  // namespace grokscope::experiment
