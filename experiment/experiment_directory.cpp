#include "experiment_directory.h"

#include "io/config_json.h"
#include "io/input_file.h"
#include "io/run_log.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>

namespace fs = std::filesystem;

namespace grokscope::experiment {

void writeFileAtomically(const fs::path& path, const std::string& text)
{
    const fs::path temporary = path.string() + ".partial";
    // A leftover (or planted) link under the temporary name would be written through.
    fs::remove(temporary);
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << text;
        if (!out.flush())
            throw std::runtime_error("cannot write " + path.string());
    }
    fs::rename(temporary, path);
}

fs::path moveAside(const fs::path& directory)
{
    for (int n = 1;; ++n) {
        const fs::path target = directory.string() + ".broken-" + std::to_string(n);
        if (!fs::exists(fs::symlink_status(target))) {
            fs::rename(directory, target);
            return target;
        }
    }
}

// Every path a run writes through: its arm's directory, its own directory, the config
// the child reads and the log its output is appended to. A symbolic link at any of
// them would carry the run's files out of --out, and a FIFO in place of the log would
// block the runner, so both are refused before anything is written.
void refuseUnsafeRunPaths(const std::vector<PlannedRun>& runs)
{
    auto check = [](const fs::path& path, bool directory) {
        std::error_code error;
        const fs::file_status status = fs::symlink_status(path, error);
        if (!fs::exists(status))
            return;
        if (fs::is_symlink(status))
            throw RunLogError(path.string() + ": is a symbolic link; an experiment writes only inside its "
                              "directory, so remove the link or choose another --out");
        if (directory && !fs::is_directory(status))
            throw RunLogError(path.string() + ": is not a directory, and the experiment keeps runs there");
        if (!directory && !fs::is_regular_file(status))
            throw RunLogError(path.string() + ": is not a regular file");
    };
    for (const PlannedRun& run : runs) {
        check(run.directory.parent_path(), true);
        check(run.directory, true);
        check(run.configFile, false);
        check(run.logFile, false);
    }
}

void prepareDirectory(const ExperimentSpec& spec, const fs::path& outDirectory)
{
    std::error_code error;
    if (fs::exists(outDirectory, error) && !fs::is_directory(outDirectory, error))
        throw ConfigError("--out " + outDirectory.string() + ": is not a directory");
    fs::create_directories(outDirectory);
    const fs::path copy = outDirectory / "spec.json";
    if (fs::exists(copy, error)) {
        nlohmann::json existing;
        try {
            existing = readJsonFile(copy.string());
        } catch (const InputError& e) {
            throw ConfigError(std::string(e.what()) + "; is this an experiment directory?");
        }
        // The "slurm" object says only how runs are submitted: a rerun may change it.
        auto computed = [](nlohmann::json document) {
            if (document.is_object())
                document.erase("slurm");
            return document;
        };
        if (computed(existing) != computed(spec.source))
            throw ConfigError(copy.string() + " holds a different experiment spec than " + spec.origin
                              + "; choose another --out, or put the old spec back to continue that experiment");
        return;
    }
    writeFileAtomically(copy, spec.source.dump(2) + "\n");
}

std::optional<double> cumulativeSeconds(const fs::path& file)
{
    std::error_code error;
    if (!fs::exists(fs::symlink_status(file, error)))
        return std::nullopt;
    std::string text;
    try {
        text = readTextFile(file.string(), 1 << 20);
    } catch (const InputError& e) {
        throw RunLogError(e.what());
    }
    const auto stored = tryParseJsonText(text);
    if (stored && stored->is_object() && stored->contains("seconds") && (*stored)["seconds"].is_number()) {
        const double value = (*stored)["seconds"].get<double>();
        if (std::isfinite(value) && value >= 0)
            return value;
    }
    return std::nullopt;
}

double addToCumulativeSeconds(const fs::path& file, double seconds)
{
    const double total = cumulativeSeconds(file).value_or(0.0) + seconds;
    writeFileAtomically(file, nlohmann::json{{"seconds", total}}.dump() + "\n");
    return total;
}

std::vector<RunRecord> inspectRuns(const ExperimentSpec& spec, const std::vector<PlannedRun>& runs)
{
    std::vector<RunRecord> records;
    for (const PlannedRun& run : runs)
        records.push_back(inspectRun(spec.arms[run.arm].name, run.seed, run.directory.string()));
    return records;
}

std::string writeSummary(const ExperimentSpec& spec, const fs::path& outDirectory,
                         const std::vector<RunRecord>& records)
{
    const std::vector<ArmSummary> arms = summariseArms(spec, records);
    const std::string markdown = summaryMarkdown(spec, records, arms);
    writeFileAtomically(outDirectory / "runs.csv", runsCsv(records));
    writeFileAtomically(outDirectory / "summary.csv", summaryCsv(arms));
    writeFileAtomically(outDirectory / "summary.md", markdown);
    return markdown;
}

}  // namespace grokscope::experiment
