#include "cli_experiment.h"

#include "cli_slurm.h"
#include "cli_stop_signal.h"
#include "experiment_console.h"
#include "experiment_runner.h"
#include "io/config_json.h"
#include "local_process_scheduler.h"
#include "slurm_backend.h"

#include <algorithm>
#include <iostream>
#include <thread>

namespace fs = std::filesystem;

namespace grokscope::cli {

std::string thisExecutable()
{
    std::error_code error;
    const fs::path self = fs::read_symlink("/proc/self/exe", error);
    if (error)
        throw std::runtime_error("cannot find the grokscope-cli executable (/proc/self/exe): " + error.message());
    return self.string();
}

int runExperimentInConsole(const experiment::ExperimentSpec& spec, const fs::path& directory, int jobs, bool quiet)
{
    experiment::LocalProcessScheduler scheduler(thisExecutable());
    ExperimentConsole console(quiet);
    experiment::RunnerOptions options;
    options.jobs = jobs;
    options.stopRequested = stopRequested;
    const experiment::ExperimentResult result = experiment::runExperiment(spec, directory, options, scheduler, console);
    std::cout << "summary in " << (directory / "summary.md").string() << " (" << result.ended << "/" << result.total
              << " runs ended)" << std::endl;
    switch (result.outcome) {
    case experiment::ExperimentOutcome::Completed:
        return 0;
    case experiment::ExperimentOutcome::Interrupted:
        std::cerr << "interrupted: rerun the same command to resume the unfinished runs\n";
        return 130;
    case experiment::ExperimentOutcome::Incomplete:
        break;
    }
    std::cerr << "error: " << (result.total - result.ended) << " run(s) did not end; see their .log files, and rerun the "
              << "same command to retry them\n";
    return 1;
}

namespace {

// What the summary reads: the logs, and for a Slurm experiment the tasks' exit files
// too, which say what the local runner would have known about a failed child.
std::vector<experiment::RunRecord> summaryRecords(const experiment::ExperimentSpec& spec, const fs::path& directory)
{
    const auto runs = experiment::planRuns(spec, directory);
    std::error_code error;
    if (fs::exists(experiment::SlurmLayout(directory).submissions, error))
        return experiment::slurmSummaryRecords(spec, runs, directory);
    return experiment::inspectRuns(spec, runs);
}

// --summary-only reads what ran in DIR: a DIR that is not there is a mistyped path.
void requireExperimentDirectory(const fs::path& directory)
{
    std::error_code error;
    const fs::file_status status = fs::status(directory, error);
    if (!fs::exists(status))
        throw ConfigError("--out " + directory.string() + ": no such directory; --summary-only summarises an "
                          "experiment that has run there");
    if (!fs::is_directory(status))
        throw ConfigError("--out " + directory.string() + ": is not a directory");
}

}  // namespace

int experimentCommand(const Arguments& args)
{
    if (args.positional.size() != 1)
        throw ConfigError("experiment: name one spec file, e.g. grokscope-cli experiment spec.json --out runs/exp");
    const auto out = args.option("out");
    if (!out || out->empty())
        throw ConfigError("experiment: --out DIR is required (rerun with the same DIR to resume)");
    if (!args.overrides.empty())
        throw ConfigError("experiment: put config overrides (" + args.overrides.front()
                          + ") in the spec's \"overrides\", not on the command line");
    const long defaultJobs = std::max(1u, std::thread::hardware_concurrency());
    const long jobs = args.integerOption("jobs", defaultJobs);
    if (jobs < 1 || jobs > 1024)
        throw ConfigError("--jobs: expected 1 to 1024, got " + std::to_string(jobs));
    const bool slurm = usesSlurmBackend(args);
    const experiment::ExperimentSpec spec = experiment::loadSpec(args.positional.front());
    if (args.has("summary-only")) {
        requireExperimentDirectory(*out);
        std::cout << experiment::writeSummary(spec, *out, summaryRecords(spec, *out));
        return 0;
    }
    if (slurm)
        return experimentOnSlurm(spec, args);
    return runExperimentInConsole(spec, *out, static_cast<int>(jobs), args.has("quiet"));
}

int experimentSummaryCommand(const Arguments& args)
{
    if (!args.overrides.empty())
        throw ConfigError("experiment-summary: takes no config overrides, got " + args.overrides.front());
    if (args.positional.size() != 1)
        throw ConfigError("experiment-summary: name the experiment directory, e.g. grokscope-cli experiment-summary runs/exp");
    const fs::path directory = args.positional.front();
    const fs::path specFile = directory / "spec.json";
    if (!fs::exists(specFile))
        throw ConfigError(specFile.string() + ": not found; is " + directory.string() + " an experiment directory?");
    const experiment::ExperimentSpec spec = experiment::loadSpec(specFile.string());
    std::cout << experiment::writeSummary(spec, directory, summaryRecords(spec, directory));
    return 0;
}

}  // namespace grokscope::cli
