#pragma once
// Runs each planned run as a child process of this machine: the grokscope-cli binary
// with launchArguments(), stdin from /dev/null, stdout and stderr appended to the
// run's .log file. Cancelling sends SIGINT, on which a run checkpoints and stops.

#include "run_scheduler.h"

#include <sys/types.h>

#include <map>
#include <string>

namespace grokscope::experiment {

class LocalProcessScheduler : public RunScheduler {
public:
    explicit LocalProcessScheduler(std::string executable);

    JobId submit(const PlannedRun& run, Launch launch) override;
    std::optional<JobEnd> poll(JobId job) override;
    void cancel(JobId job) override;
    std::chrono::milliseconds pollInterval() const override { return std::chrono::milliseconds(50); }

private:
    std::string m_executable;
    std::map<JobId, pid_t> m_children;
    JobId m_nextId = 1;
};

}  // namespace grokscope::experiment
