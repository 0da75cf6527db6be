#include "cli_replicate.h"

#include "cli_experiment.h"
#include "cli_slurm.h"
#include "experiment_directory.h"
#include "io/config_json.h"
#include "io/input_file.h"
#include "io/run_log.h"
#include "replicate_protocol.h"
#include "replicate_report.h"
#include "variant_report.h"

#ifdef GROKSCOPE_REPORT_FIGURES
#include "offscreen_application.h"
#include "replicate_figures.h"
#include "variant_figures.h"
#endif

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

namespace fs = std::filesystem;

namespace grokscope::cli {

namespace {

// The directories replicate writes into at the top of DIR. A symbolic link at any of
// them would carry the experiments or the figures out of DIR; refused before anything
// runs. (Its files there are written under a temporary name and renamed.)
void refuseLinksInDirectory(const fs::path& directory)
{
    std::vector<std::string> names = report::protocolNames(report::ProtocolSuite::Paper);
    for (const std::string& name : report::protocolNames(report::ProtocolSuite::Variants))
        names.push_back(name);
    names.push_back("figures");
    for (const std::string& name : names) {
        std::error_code error;
        if (fs::is_symlink(fs::symlink_status(directory / name, error)))
            throw RunLogError((directory / name).string()
                              + ": is a symbolic link; replicate writes only inside its directory, so remove the "
                                "link or choose another --out");
    }
}

report::ProtocolSuite suiteFromArguments(const Arguments& args)
{
    const std::string suite = args.option("suite").value_or("paper");
    if (suite == "paper")
        return report::ProtocolSuite::Paper;
    if (suite == "variants")
        return report::ProtocolSuite::Variants;
    throw ConfigError("--suite: expected paper or variants, got " + quotedForMessage(suite));
}

report::ProtocolSplit splitFromArguments(const Arguments& args)
{
    return args.has("same-split") ? report::ProtocolSplit::Shared : report::ProtocolSplit::PerSeed;
}

// A replication keeps the split it was started with. Resuming it with the other choice
// would fail on the changed spec; this says which flag resumes it instead.
void requireSplitOfExistingRuns(const fs::path& experimentDirectory, report::ProtocolSplit split)
{
    const fs::path copy = experimentDirectory / "spec.json";
    std::error_code error;
    if (!fs::exists(copy, error))
        return;
    nlohmann::json existing;
    try {
        existing = readJsonFile(copy.string());
    } catch (const InputError&) {
        return;  // prepareDirectory reports what is wrong with it
    }
    const auto flag = existing.is_object() ? existing.find("vary_data_seed") : existing.end();
    const bool perSeed = existing.is_object() && flag != existing.end() && flag->is_boolean() && flag->get<bool>();
    if (perSeed == (split == report::ProtocolSplit::PerSeed))
        return;
    throw ConfigError(copy.string() + ": these runs were started with "
                      + (perSeed ? "a train/test split per seed; rerun without --same-split"
                                 : "one train/test split for all seeds; rerun with --same-split")
                      + ", or choose another --out");
}

// The report's figures when this grokscope-cli has the Qt libraries to draw them.
report::FigureSectionWriter figureWriter()
{
#ifdef GROKSCOPE_REPORT_FIGURES
    return [](const report::FigureInputs& inputs) {
        const OffscreenApplication application;  // QCustomPlot draws only inside a QApplication
        return figures::writeReplicationFigures(inputs);
    };
#else
    return {};
#endif
}

// The variant report's figure, likewise.
report::VariantFigureWriter variantFigureWriter()
{
#ifdef GROKSCOPE_REPORT_FIGURES
    return [](const report::VariantFigureInputs& inputs) {
        const OffscreenApplication application;
        return figures::writeVariantFigure(inputs);
    };
#else
    return {};
#endif
}

// The suite's report: DIR/report.md for the paper's protocol, DIR/variants-report.md
// for the variant suite.
fs::path writeSuiteReport(const Arguments& args, const fs::path& directory,
                          const std::vector<report::ProtocolExperiment>& experiments, int seeds,
                          const report::ReplicateTiming& timing)
{
    if (suiteFromArguments(args) == report::ProtocolSuite::Variants)
        return report::writeVariantReport(directory, experiments, seeds, timing, variantFigureWriter());
    return report::writeReplicationReport(directory, experiments, seeds, timing, figureWriter());
}

// Submits every protocol experiment as job arrays; with --wait, follows them all and
// then writes the report as `--report-only` would.
int replicateOnSlurm(const Arguments& args, const fs::path& out, int seeds)
{
    experiment::SlurmSubmitOptions options;
    options.slurm = slurmOptionsFromArguments(args, std::nullopt);
    options.retryFailed = args.has("retry-failed");
    options.executable = thisExecutable();
    const fs::path directory = prepareSlurmDirectory(out);
    std::vector<std::pair<experiment::ExperimentSpec, fs::path>> experiments;
    for (const std::string& name : report::protocolNames(suiteFromArguments(args))) {
        requireSplitOfExistingRuns(directory / name, splitFromArguments(args));
        experiments.emplace_back(report::protocolSpec(name, seeds, splitFromArguments(args)), directory / name);
        std::cout << "\n== " << name << " ==\n";
        submitExperimentInConsole(experiments.back().first, experiments.back().second, options);
    }
    const std::string reportCommand =
        "grokscope-cli replicate --report-only --seeds " + std::to_string(seeds) + " --out " + directory.string()
        + (suiteFromArguments(args) == report::ProtocolSuite::Variants ? " --suite variants" : "")
        + (args.has("same-split") ? " --same-split" : "");
    if (!args.has("wait")) {
        std::cout << "\nfollow each with grokscope-cli experiment-status " << directory.string()
                  << "/<experiment> --watch; when they have ended: " << reportCommand << "\n";
        return 0;
    }
    const int code = waitForExperiments(experiments, args.has("quiet"));
    if (code == 130)
        return code;
    std::vector<report::ProtocolExperiment> inspected;
    for (const auto& [spec, experimentDirectory] : experiments)
        inspected.push_back(report::inspectProtocol(spec, experimentDirectory));
    report::ReplicateTiming timing;
    timing.cores = std::max(1u, std::thread::hardware_concurrency());
    timing.jobs = static_cast<int>(timing.cores);  // as --report-only says it; Slurm chose the real number
    timing.cumulativeSeconds = experiment::addToCumulativeSeconds(directory / "replicate_time.json", 0.0);
    const fs::path reportFile = writeSuiteReport(args, directory, inspected, seeds, timing);
    std::cout << "\nreport: " << reportFile.string() << "\n";
    return code;
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
    const bool slurm = usesSlurmBackend(args);
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    const long jobs = args.integerOption("jobs", cores);
    if (jobs < 1 || jobs > 1024)
        throw ConfigError("--jobs: expected 1 to 1024, got " + std::to_string(jobs));
    const bool reportOnly = args.has("report-only");
    const fs::path directory = *out;
    std::error_code error;
    if (fs::exists(directory, error) && !fs::is_directory(directory, error))
        throw ConfigError("--out " + directory.string() + ": is not a directory");
    refuseLinksInDirectory(directory);
    fs::create_directories(directory);
    if (slurm && !reportOnly)
        return replicateOnSlurm(args, directory, static_cast<int>(seeds));

    const auto start = std::chrono::steady_clock::now();
    int exitCode = 0;
    std::vector<report::ProtocolExperiment> experiments;
    for (const std::string& name : report::protocolNames(suiteFromArguments(args))) {
        const experiment::ExperimentSpec spec =
            report::protocolSpec(name, static_cast<int>(seeds), splitFromArguments(args));
        const fs::path experimentDirectory = directory / name;
        requireSplitOfExistingRuns(experimentDirectory, splitFromArguments(args));
        if (!reportOnly && exitCode != 130) {
            std::cout << "\n== " << name << ": " << spec.arms.size() << " arms x " << seeds << " seeds ==\n";
            const int code = runExperimentInConsole(spec, experimentDirectory, static_cast<int>(jobs), args.has("quiet"));
            exitCode = std::max(exitCode, code);
        } else if (!fs::exists(experimentDirectory / "spec.json")) {
            std::cout << name << ": not run yet\n";
        } else {
            experiment::prepareDirectory(spec, experimentDirectory);  // throws when --seeds differs from the runs'
        }
        experiments.push_back(report::inspectProtocol(spec, experimentDirectory));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    report::ReplicateTiming timing;
    timing.invocationSeconds = seconds;
    timing.cumulativeSeconds = experiment::addToCumulativeSeconds(directory / "replicate_time.json", reportOnly ? 0.0 : seconds);
    timing.jobs = static_cast<int>(jobs);
    timing.cores = cores;
    const fs::path reportFile = writeSuiteReport(args, directory, experiments, static_cast<int>(seeds), timing);
    std::cout << "\nreport: " << reportFile.string() << " (figures in " << (directory / "figures").string() << ")\n";
    if (exitCode == 130)
        std::cerr << "interrupted: rerun the same command to resume; the report covers the runs that ended\n";
    return exitCode;
}

}  // namespace grokscope::cli
