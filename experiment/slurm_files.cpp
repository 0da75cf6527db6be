#include "slurm_files.h"

#include "experiment_directory.h"
#include "io/input_file.h"
#include "io/run_log.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace grokscope::experiment {

SlurmLayout::SlurmLayout(const fs::path& experimentDirectory)
    : directory(experimentDirectory / "slurm"), logs(directory / "logs"), exits(directory / "exit"),
      submissions(directory / "submissions.jsonl")
{
}

fs::path SlurmLayout::script(std::size_t arm) const { return directory / (std::to_string(arm) + ".sbatch"); }

fs::path SlurmLayout::exitFile(std::size_t arm, std::size_t seedIndex) const
{
    return exits / (std::to_string(arm) + "_" + std::to_string(seedIndex) + ".json");
}

std::string batchScriptText(std::size_t arm)
{
    // Only fixed text and the arm's index: sbatch's options are on its command line
    // (DIR/slurm/submissions.jsonl keeps each call), and the two paths come in as
    // arguments, never pasted into this text.
    return "#!/bin/sh\n"
           "# One run of a GrokScope experiment: arm " + std::to_string(arm) + ", the seed whose index in the\n"
           "# spec's seed list is this array task's id. Submitted by\n"
           "#   grokscope-cli experiment SPEC --out DIR --backend slurm\n"
           "# as  sbatch [options] " + std::to_string(arm) + ".sbatch GROKSCOPE_CLI DIR\n"
           "# $1: the grokscope-cli binary, $2: the experiment's directory (on a shared filesystem).\n"
           "# experiment-task runs the run as `grokscope-cli run` or `resume` would, appends its\n"
           "# output to DIR/<arm>/seed_<s>.log and writes DIR/slurm/exit/" + std::to_string(arm)
           + "_<task>.json when it ends.\n"
           "exec \"$1\" experiment-task -- \"$2\" " + std::to_string(arm) + " \"$SLURM_ARRAY_TASK_ID\"\n";
}

std::string arrayIndexList(std::vector<std::size_t> indices)
{
    std::sort(indices.begin(), indices.end());
    indices.erase(std::unique(indices.begin(), indices.end()), indices.end());
    std::string list;
    for (std::size_t i = 0; i < indices.size();) {
        std::size_t j = i;
        while (j + 1 < indices.size() && indices[j + 1] == indices[j] + 1)
            ++j;
        if (!list.empty())
            list += ",";
        list += std::to_string(indices[i]);
        if (j > i)
            list += "-" + std::to_string(indices[j]);
        i = j + 1;
    }
    return list;
}

std::string escapeOutputPattern(const std::string& path)
{
    std::string escaped;
    for (char c : path) {
        escaped += c;
        if (c == '%')
            escaped += '%';
    }
    return escaped;
}

std::vector<std::string> sbatchArguments(const SlurmOptions& options, const ArraySubmission& submission)
{
    const SlurmLayout layout(submission.experimentDirectory);
    std::vector<std::string> argv = {"sbatch", "--parsable"};
    // A fixed job name: the arm's own name is the user's text.
    argv.push_back("--job-name=grokscope-arm" + std::to_string(submission.arm));
    std::string array = "--array=" + arrayIndexList(submission.tasks);
    if (options.maxRunning)
        array += "%" + std::to_string(*options.maxRunning);
    argv.push_back(array);
    // Only DIR's own '%' is escaped: %A_%a stays a pattern (array id, task id).
    argv.push_back("--output=" + escapeOutputPattern(layout.logs.string()) + "/%A_%a.out");
    argv.push_back("--chdir=" + submission.experimentDirectory.string());
    argv.push_back("--ntasks=1");
    argv.push_back("--cpus-per-task=" + std::to_string(options.cpusPerTask));
    if (!options.time.empty())
        argv.push_back("--time=" + options.time);
    if (!options.mem.empty())
        argv.push_back("--mem=" + options.mem);
    if (!options.partition.empty())
        argv.push_back("--partition=" + options.partition);
    if (!options.account.empty())
        argv.push_back("--account=" + options.account);
    if (!options.qos.empty())
        argv.push_back("--qos=" + options.qos);
    if (!submission.dependsOnArray.empty()) {
        argv.push_back("--dependency=aftercorr:" + submission.dependsOnArray);
        // Otherwise a task whose reference failed would stay pending for ever.
        argv.push_back("--kill-on-invalid-dep=yes");
    }
    argv.insert(argv.end(), options.sbatchArgs.begin(), options.sbatchArgs.end());
    argv.push_back(layout.script(submission.arm).string());
    argv.push_back(submission.executable.string());
    argv.push_back(submission.experimentDirectory.string());
    return argv;
}

void appendSubmission(const fs::path& file, const SubmissionRecord& record)
{
    const nlohmann::json line = {{"arm", record.arm},
                                 {"job", record.job},
                                 {"tasks", record.tasks},
                                 {"dependency", record.dependency},
                                 {"submitted_utc", record.submittedUtc},
                                 {"sbatch", record.sbatch}};
    std::ofstream out(file, std::ios::app);
    out << line.dump() << "\n";
    if (!out.flush())
        throw std::runtime_error("cannot write " + file.string());
}

std::vector<SubmissionRecord> readSubmissions(const fs::path& file)
{
    std::vector<SubmissionRecord> records;
    std::error_code error;
    if (!fs::exists(fs::symlink_status(file, error)))
        return records;
    std::string text;
    try {
        text = readTextFile(file.string(), 64u << 20);
    } catch (const InputError& e) {
        throw RunLogError(e.what());
    }
    std::istringstream lines(text);
    std::string line;
    for (int number = 1; std::getline(lines, line); ++number) {
        if (line.empty())
            continue;
        const auto json = tryParseJsonText(line);
        auto bad = [&](const std::string& what) {
            return RunLogError(file.string() + ":" + std::to_string(number) + ": " + what);
        };
        if (!json || !json->is_object())
            throw bad("not a JSON object");
        try {
            SubmissionRecord record;
            record.arm = json->at("arm").get<std::size_t>();
            record.job = json->at("job").get<std::string>();
            record.tasks = json->at("tasks").get<std::vector<std::size_t>>();
            record.dependency = json->value("dependency", std::string());
            record.submittedUtc = json->value("submitted_utc", std::string());
            if (json->contains("sbatch"))
                record.sbatch = json->at("sbatch").get<std::vector<std::string>>();
            records.push_back(std::move(record));
        } catch (const nlohmann::json::exception& e) {
            throw bad(std::string("expected arm, job and tasks: ") + e.what());
        }
    }
    return records;
}

void writeTaskExit(const fs::path& file, const TaskExit& exit)
{
    writeFileAtomically(file, nlohmann::json{{"exit_code", exit.exitCode}, {"job", exit.job}}.dump() + "\n");
}

std::optional<TaskExit> readTaskExit(const fs::path& file)
{
    std::error_code error;
    if (!fs::is_regular_file(fs::symlink_status(file, error)))
        return std::nullopt;
    try {
        const auto json = tryParseJsonText(readTextFile(file.string(), 1 << 16));
        if (!json || !json->is_object() || !json->contains("exit_code") || !(*json)["exit_code"].is_number_integer())
            return std::nullopt;
        TaskExit exit;
        exit.exitCode = (*json)["exit_code"].get<int>();
        exit.job = json->value("job", std::string());
        return exit;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

std::string utcNow()
{
    char stamp[32];
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return stamp;
}

}  // namespace grokscope::experiment
