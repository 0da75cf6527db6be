#include "experiment_console.h"

#include <iomanip>
#include <iostream>
#include <sstream>

namespace grokscope::cli {

namespace {

using experiment::RunProgress;
using experiment::RunRecord;
using experiment::RunStatus;

// "[3/8] baseline seed 2"
std::string prefix(const RunProgress& run)
{
    return "[" + std::to_string(run.ended) + "/" + std::to_string(run.total) + "] " + run.arm + " seed "
           + std::to_string(run.seed);
}

std::string describe(const RunRecord& r)
{
    std::ostringstream text;
    if (r.status == RunStatus::Failed)
        text << "FAILED (" << r.detail << ")";
    else if (r.tGrok)
        text << "T_grok " << *r.tGrok;
    else
        text << "not grokked by step " << r.finalStep;
    return text.str();
}

}  // namespace

void ExperimentConsole::movedAside(const std::filesystem::path& directory, const std::filesystem::path& aside,
                                   const std::string& why)
{
    std::cout << "moved " << directory.string() << " aside to " << aside.string() << " (" << why << ")\n";
}

void ExperimentConsole::planned(const experiment::ExperimentPlanCounts& c)
{
    std::cout << "experiment " << c.experiment << ": " << c.arms << " arm(s) × " << c.seeds << " seed(s) = " << c.total
              << " runs in " << c.directory.string() << "; " << c.ended << " already ended, " << c.toResume
              << " to resume, " << c.toStart << " to start; " << c.jobs << " at a time" << std::endl;
}

void ExperimentConsole::stopping(std::size_t running)
{
    std::cout << "stopping: asking " << running << " running run(s) to checkpoint and stop" << std::endl;
}

void ExperimentConsole::launched(const RunProgress& run, experiment::Launch launch)
{
    if (!m_quiet)
        std::cout << "[" << run.ended << "/" << run.total << "] "
                  << (launch == experiment::Launch::Start ? "start " : "resume ") << run.arm << " seed " << run.seed
                  << std::endl;
}

void ExperimentConsole::skipped(const RunProgress& run, const std::string& why)
{
    std::cout << prefix(run) << ": skipped, " << why << std::endl;
}

void ExperimentConsole::ended(const RunProgress& run, const RunRecord& record, double seconds)
{
    if (!m_quiet)
        std::cout << prefix(run) << ": " << describe(record) << " (" << std::fixed << std::setprecision(1) << seconds
                  << " s)" << std::defaultfloat << std::endl;
}

void ExperimentConsole::stopped(const RunProgress& run, long step)
{
    if (!m_quiet)
        std::cout << prefix(run) << ": stopped at step " << step << std::endl;
}

void ExperimentConsole::failedToEnd(const RunProgress& run, const std::string& how, const std::filesystem::path& logFile)
{
    std::cout << prefix(run) << ": ERROR, " << how << "; see " << logFile.string() << std::endl;
}

}  // namespace grokscope::cli
