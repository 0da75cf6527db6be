#include "cli_replicate.h"

#include "cli_experiment.h"
#include "io/config_json.h"
#include "replicate_protocol.h"
#include "replicate_report.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

namespace fs = std::filesystem;

namespace grokscope::cli {

namespace {

// Wall time of every replicate invocation on the directory, so that the report can
// say how long the whole protocol took even when it was stopped and resumed.
double addToCumulativeSeconds(const fs::path& directory, double seconds)
{
    const fs::path file = directory / "replicate_time.json";
    double total = 0.0;
    if (std::ifstream in(file); in) {
        const nlohmann::json stored = nlohmann::json::parse(in, nullptr, false);
        if (stored.is_object() && stored.contains("seconds") && stored["seconds"].is_number())
            total = stored["seconds"].get<double>();
    }
    total += seconds;
    std::ofstream(file) << nlohmann::json{{"seconds", total}}.dump() << "\n";
    return total;
}

}  // namespace

int replicateCommand(const Arguments& args)
{
    if (!args.positional.empty() || !args.overrides.empty())
        throw ConfigError("replicate: takes options only, e.g. grokscope-cli replicate --seeds 10 --out runs/replication");
    const auto out = args.option("out");
    if (!out || out->empty())
        throw ConfigError("replicate: --out DIR is required (rerun with the same DIR and --seeds to resume)");
    const long seeds = args.integerOption("seeds", 10);
    if (seeds < 2 || seeds > 1000)
        throw ConfigError("--seeds: expected 2 to 1000 (the statistics need at least two runs per arm), got " +
                          std::to_string(seeds));
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const long jobs = args.integerOption("jobs", cores);
    if (jobs < 1 || jobs > 1024)
        throw ConfigError("--jobs: expected 1 to 1024, got " + std::to_string(jobs));
    const bool reportOnly = args.has("report-only");
    const fs::path directory = *out;
    fs::create_directories(directory);

    const auto start = std::chrono::steady_clock::now();
    int exitCode = 0;
    std::vector<ProtocolExperiment> experiments;
    for (const std::string& name : protocolNames()) {
        const experiment::ExperimentSpec spec = protocolSpec(name, static_cast<int>(seeds));
        const fs::path experimentDirectory = directory / name;
        if (!reportOnly && exitCode != 130) {
            std::cout << "\n== " << name << ": " << spec.arms.size() << " arms x " << seeds << " seeds ==\n";
            experiment::RunnerOptions options;
            options.executable = thisExecutable();
            options.jobs = static_cast<int>(jobs);
            options.quiet = args.has("quiet");
            const int code = experiment::runExperiment(spec, experimentDirectory, options);
            exitCode = std::max(exitCode, code);
        } else if (!fs::exists(experimentDirectory / "spec.json")) {
            std::cout << name << ": not run yet\n";
        } else {
            experiment::prepareDirectory(spec, experimentDirectory);  // throws when --seeds differs from the runs'
        }
        experiments.push_back(inspectProtocol(spec, experimentDirectory));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ReplicateTiming timing;
    timing.invocationSeconds = seconds;
    timing.cumulativeSeconds = addToCumulativeSeconds(directory, reportOnly ? 0.0 : seconds);
    timing.jobs = static_cast<int>(jobs);
    timing.cores = cores;
    const fs::path report = writeReplicationReport(directory, experiments, static_cast<int>(seeds), timing);
    std::cout << "\nreport: " << report.string() << " (figures in " << (directory / "figures").string() << ")\n";
    if (exitCode == 130)
        std::cerr << "interrupted: rerun the same command to resume; the report covers the runs that ended\n";
    return exitCode;
}

}  // namespace grokscope::cli
