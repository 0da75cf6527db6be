#pragma once
// grokscope-cli's view of an experiment while it runs: one line per run launched,
// ended, stopped, skipped or failed, "[ended/total]" first. With --quiet only the
// plan, the skips and the errors are printed.

#include "experiment_observer.h"

namespace grokscope::cli {

class ExperimentConsole : public experiment::ExperimentObserver {
public:
    explicit ExperimentConsole(bool quiet) : m_quiet(quiet) {}

    void movedAside(const std::filesystem::path& directory, const std::filesystem::path& aside,
                    const std::string& why) override;
    void planned(const experiment::ExperimentPlanCounts& counts) override;
    void stopping(std::size_t running) override;
    void launched(const experiment::RunProgress& run, experiment::Launch launch) override;
    void skipped(const experiment::RunProgress& run, const std::string& why) override;
    void ended(const experiment::RunProgress& run, const experiment::RunRecord& record, double seconds) override;
    void stopped(const experiment::RunProgress& run, long step) override;
    void failedToEnd(const experiment::RunProgress& run, const std::string& how,
                     const std::filesystem::path& logFile) override;

private:
    bool m_quiet;
};

}  // namespace grokscope::cli
