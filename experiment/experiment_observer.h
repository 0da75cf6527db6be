#pragma once
// What an experiment's runner reports while it supervises the runs. The library
// writes nothing to the console; grokscope-cli implements this (app/experiment_console.h)
// and a test can record it.

#include "experiment_summary.h"
#include "run_scheduler.h"

#include <cstddef>
#include <filesystem>
#include <string>

namespace grokscope::experiment {

// Which run an event is about, and how far the experiment is.
struct RunProgress {
    std::string arm;
    unsigned long long seed = 0;
    std::size_t ended = 0;  // runs that have ended (finished or failed) so far
    std::size_t total = 0;  // planned runs
};

// The state found on disk before anything is launched.
struct ExperimentPlanCounts {
    std::string experiment;
    std::filesystem::path directory;
    std::size_t arms = 0, seeds = 0, total = 0;
    std::size_t ended = 0, toResume = 0, toStart = 0;
    int jobs = 1;
};

class ExperimentObserver {
public:
    virtual ~ExperimentObserver() = default;
    // A broken run's directory was renamed so that the run starts again.
    virtual void movedAside(const std::filesystem::path& directory, const std::filesystem::path& aside,
                            const std::string& why) {}
    virtual void planned(const ExperimentPlanCounts& counts) {}
    // A stop was requested; the running runs are asked to checkpoint and stop.
    virtual void stopping(std::size_t running) {}
    virtual void launched(const RunProgress& run, Launch launch) {}
    // Not run: its norm reference did not finish (`why` says which).
    virtual void skipped(const RunProgress& run, const std::string& why) {}
    virtual void ended(const RunProgress& run, const RunRecord& record, double seconds) {}
    // Stopped on request, resumable from step `step`.
    virtual void stopped(const RunProgress& run, long step) {}
    // Its process ended without the run ending: `how` is JobEnd::describe().
    virtual void failedToEnd(const RunProgress& run, const std::string& how, const std::filesystem::path& logFile) {}
};

}  // namespace grokscope::experiment
