#include "cli_experiment.h"

#include "experiment_runner.h"
#include "io/config_json.h"

#include <algorithm>
#include <filesystem>
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

void requireKnownOptions(const Arguments& args, const std::vector<std::string>& options,
                         const std::vector<std::string>& flags)
{
    auto known = [](const std::vector<std::string>& names, const std::string& name) {
        return std::find(names.begin(), names.end(), name) != names.end();
    };
    for (const auto& [name, value] : args.options)
        if (!known(options, name))
            throw ConfigError(args.command + ": unknown option --" + name
                              + (known(flags, name) ? " with a value (it is a flag: give it alone)" : ""));
    for (const std::string& name : args.flags)
        if (!known(flags, name))
            throw ConfigError(args.command + ": unknown option --" + name);
}

int experimentCommand(const Arguments& args)
{
    requireKnownOptions(args, {"out", "jobs"}, {"quiet", "summary-only"});
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
    const experiment::ExperimentSpec spec = experiment::loadSpec(args.positional.front());
    if (args.has("summary-only")) {
        const auto runs = experiment::planRuns(spec, *out);
        std::cout << experiment::writeSummary(spec, *out, experiment::inspectRuns(spec, runs));
        return 0;
    }
    experiment::RunnerOptions options;
    options.executable = thisExecutable();
    options.jobs = static_cast<int>(jobs);
    options.quiet = args.has("quiet");
    return experiment::runExperiment(spec, *out, options);
}

int experimentSummaryCommand(const Arguments& args)
{
    requireKnownOptions(args, {}, {});
    if (!args.overrides.empty())
        throw ConfigError("experiment-summary: takes no config overrides, got " + args.overrides.front());
    if (args.positional.size() != 1)
        throw ConfigError("experiment-summary: name the experiment directory, e.g. grokscope-cli experiment-summary runs/exp");
    const fs::path directory = args.positional.front();
    const fs::path specFile = directory / "spec.json";
    if (!fs::exists(specFile))
        throw ConfigError(specFile.string() + ": not found; is " + directory.string() + " an experiment directory?");
    const experiment::ExperimentSpec spec = experiment::loadSpec(specFile.string());
    const auto runs = experiment::planRuns(spec, directory);
    std::cout << experiment::writeSummary(spec, directory, experiment::inspectRuns(spec, runs));
    return 0;
}

}  // namespace grokscope::cli
