#pragma once
// Where an experiment's runs train. The runner (experiment_runner.h) decides what to
// launch and when; a scheduler only carries one planned run out and reports how it
// ended. LocalProcessScheduler runs each as a child process of this machine. The
// Slurm backend (slurm_backend.h) does not go through this interface: it hands whole
// arrays to Slurm, which schedules them (norm references as dependencies), and
// follows the runs through experiment_status.h; launchArguments() is shared by both.

#include "experiment_plan.h"

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace grokscope::experiment {

enum class Launch {
    Start,   // train from step 0 with the run's config file
    Resume,  // continue from the run's latest checkpoint
};

// The grokscope-cli arguments that carry one run out, whatever the backend:
// `run --config C --out D --quiet` or `resume --quiet -- D` ("--": a directory may
// hold '=', which would otherwise read as a config override).
std::vector<std::string> launchArguments(const PlannedRun& run, Launch launch);

// How a submitted run's process ended.
struct JobEnd {
    bool exited = false;  // false: killed by a signal
    int exitCode = 0;     // when exited
    int signal = 0;       // when killed

    // 0 or 130 (a run's answer to being asked to stop), or killed by SIGINT before its
    // handler was installed: the run stopped as asked, not with an error.
    bool stoppedCleanly() const;
    // "exit code 3" or "killed by signal 9".
    std::string describe() const;
};

using JobId = std::uint64_t;

class RunScheduler {
public:
    virtual ~RunScheduler() = default;
    // Starts (or queues) the run; throws std::runtime_error when it cannot.
    virtual JobId submit(const PlannedRun& run, Launch launch) = 0;
    // nullopt while the job is queued or running; its end once, when it has ended
    // (the job is forgotten then: do not poll it again).
    virtual std::optional<JobEnd> poll(JobId job) = 0;
    // Asks a running job to checkpoint and stop; poll reports its end later.
    virtual void cancel(JobId job) = 0;
    // How long the runner waits between rounds of polls.
    virtual std::chrono::milliseconds pollInterval() const = 0;
};

}  // namespace grokscope::experiment
