#include "cli_experiment_status.h"

#include "cli_stop_signal.h"
#include "experiment_status.h"
#include "io/config_json.h"
#include "io/input_file.h"
#include "io/run_log.h"
#include "slurm_client.h"
#include "slurm_files.h"

#include <chrono>
#include <iostream>
#include <memory>
#include <set>
#include <thread>

namespace fs = std::filesystem;

namespace grokscope::cli {

namespace {

struct ExperimentDirectory {
    fs::path directory;
    experiment::ExperimentSpec spec;
    std::vector<experiment::PlannedRun> runs;
};

ExperimentDirectory openExperiment(const Arguments& args, const std::string& command, std::size_t extraPositional)
{
    if (!args.overrides.empty())
        throw ConfigError(command + ": takes no config overrides, got " + args.overrides.front());
    if (args.positional.empty() || args.positional.size() > 1 + extraPositional)
        throw ConfigError(command + ": name the experiment directory, e.g. grokscope-cli " + command + " runs/exp");
    ExperimentDirectory experiment;
    experiment.directory = fs::absolute(args.positional.front()).lexically_normal();
    const fs::path specFile = experiment.directory / "spec.json";
    if (!fs::exists(specFile))
        throw ConfigError(specFile.string() + ": not found; is " + args.positional.front()
                          + " an experiment directory?");
    experiment.spec = experiment::loadSpec(specFile.string());
    experiment.runs = experiment::planRuns(experiment.spec, experiment.directory);
    return experiment;
}

bool submittedToSlurm(const fs::path& directory)
{
    std::error_code error;
    return fs::exists(experiment::SlurmLayout(directory).submissions, error);
}

// The statuses, asking Slurm when the experiment was submitted there and Slurm can be
// asked; otherwise from the files alone, with a warning once.
std::vector<experiment::ExperimentRunStatus> readStatus(const ExperimentDirectory& e, bool& warned)
{
    if (submittedToSlurm(e.directory)) {
        experiment::SlurmCommands client;
        try {
            if (!experiment::onPath("squeue"))
                throw std::runtime_error("squeue is not on PATH");
            return experiment::experimentStatus(e.spec, e.runs, e.directory, &client);
        } catch (const RunLogError&) {
            throw;  // a corrupt submissions.jsonl: exit 3, as for any run log
        } catch (const std::runtime_error& error) {
            auto statuses = experiment::experimentStatus(e.spec, e.runs, e.directory, nullptr);
            // Only a submitted run that has not ended could be queued or running.
            bool uncertain = false;
            for (const auto& status : statuses)
                uncertain = uncertain || (!status.job.empty() && !status.ended());
            if (uncertain && !warned) {
                std::cerr << "warning: cannot ask Slurm (" << error.what()
                          << "); tasks still queued or running show as cancelled\n";
                warned = true;
            }
            return statuses;
        }
    }
    return experiment::experimentStatus(e.spec, e.runs, e.directory, nullptr);
}

void printStatus(const ExperimentDirectory& e, const std::vector<experiment::ExperimentRunStatus>& statuses)
{
    for (const auto& status : statuses)
        std::cout << status.arm << "  seed " << status.seed << "  "
                  << experiment::describeRunState(status) << "\n";
    for (std::size_t a = 0; a < e.spec.arms.size(); ++a) {
        std::vector<experiment::ExperimentRunStatus> arm;
        for (const auto& status : statuses)
            if (status.armIndex == a)
                arm.push_back(status);
        std::cout << "arm " << e.spec.arms[a].name << ": " << experiment::countLine(arm) << "\n";
    }
    std::cout.flush();
}

}  // namespace

int experimentStatusCommand(const Arguments& args)
{
    // --watch takes an optional number: `--watch 10` leaves 10 as a second word.
    const bool watch = args.has("watch");
    long seconds = 5;
    if (const auto value = args.option("watch"))
        seconds = args.integerOption("watch", 5);
    else if (watch && args.positional.size() == 2) {
        const std::string& word = args.positional[1];
        if (word.empty() || word.size() > 6 || word.find_first_not_of("0123456789") != std::string::npos)
            throw ConfigError("--watch: expected a number of seconds, got " + quotedForMessage(word));
        seconds = std::stol(word);
    }
    if (seconds < 1 || seconds > 86400)
        throw ConfigError("--watch: expected 1 to 86400 seconds, got " + std::to_string(seconds));
    const ExperimentDirectory e = openExperiment(args, "experiment-status", watch ? 1 : 0);
    bool warned = false;
    while (true) {
        const auto statuses = readStatus(e, warned);
        printStatus(e, statuses);
        bool active = false;
        for (const auto& status : statuses)
            active = active || status.active();
        if (!watch || !active)
            return 0;
        for (long slice = 0; slice < seconds * 10; ++slice) {
            if (stopRequested())
                return 0;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        std::cout << "\n";
    }
}

int experimentCancelCommand(const Arguments& args)
{
    const ExperimentDirectory e = openExperiment(args, "experiment-cancel", 0);
    if (!submittedToSlurm(e.directory)) {
        std::cout << "nothing to cancel: " << e.directory.string() << " was not submitted to Slurm\n";
        return 0;
    }
    if (!experiment::onPath("scancel") || !experiment::onPath("squeue"))
        throw ConfigError("experiment-cancel: scancel and squeue must be on PATH");
    experiment::SlurmCommands client;
    const auto submissions = experiment::readSubmissions(experiment::SlurmLayout(e.directory).submissions);
    std::vector<std::string> arrays;
    for (const auto& record : submissions)
        arrays.push_back(record.job);
    std::set<std::string> active;
    for (const auto& task : client.queue(arrays))
        if (task.kind != experiment::QueueState::Ended)
            active.insert(task.arrayJob);
    if (active.empty()) {
        std::cout << "nothing queued or running in Slurm for " << e.directory.string() << "\n";
        return 0;
    }
    client.cancel({active.begin(), active.end()});
    for (const auto& record : submissions)
        if (active.count(record.job))
            std::cout << "cancelled array " << record.job << " (arm " << e.spec.arms.at(record.arm).name << ", tasks "
                      << experiment::arrayIndexList(record.tasks) << ")\n";
    std::cout << "running tasks checkpoint and stop; rerun the experiment command to resubmit them\n";
    return 0;
}

}  // namespace grokscope::cli
