#include "cli_slurm.h"

#include "cli_dispatch.h"
#include "cli_experiment.h"
#include "cli_stop_signal.h"
#include "experiment_directory.h"
#include "experiment_status.h"
#include "io/config_json.h"
#include "io/input_file.h"
#include "io/run_log.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <iostream>
#include <map>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace grokscope::cli {

namespace {

const std::vector<std::string> kSlurmValueOptions = {"partition", "time",    "cpus-per-task", "mem",
                                                     "max-running", "account", "qos",          "sbatch-arg"};
const std::vector<std::string> kSlurmFlags = {"retry-failed", "wait"};

}  // namespace

bool usesSlurmBackend(const Arguments& args)
{
    const std::string backend = args.option("backend").value_or("local");
    if (backend != "local" && backend != "slurm")
        throw ConfigError("--backend: expected local or slurm, got " + quotedForMessage(backend));
    const bool slurm = backend == "slurm";
    if (!slurm) {
        for (const auto& names : {kSlurmValueOptions, kSlurmFlags})
            for (const std::string& name : names)
                if (args.has(name))
                    throw ConfigError("--" + name + ": only with --backend slurm");
    } else if (args.has("jobs")) {
        throw ConfigError("--jobs: only with --backend local; Slurm runs as many at once as it can (--max-running N "
                          "limits it)");
    }
    return slurm;
}

experiment::SlurmOptions slurmOptionsFromArguments(const Arguments& args,
                                                   const std::optional<experiment::SlurmOptions>& fromSpec)
{
    experiment::SlurmOptions options = fromSpec.value_or(experiment::SlurmOptions{});
    if (const auto value = args.option("partition"))
        experiment::checkSlurmName(options.partition = *value, "--partition");
    if (const auto value = args.option("time"))
        experiment::checkSlurmTime(options.time = *value, "--time");
    if (const auto value = args.option("mem"))
        experiment::checkSlurmMemory(options.mem = *value, "--mem");
    if (const auto value = args.option("account"))
        experiment::checkSlurmName(options.account = *value, "--account");
    if (const auto value = args.option("qos"))
        experiment::checkSlurmName(options.qos = *value, "--qos");
    if (args.option("cpus-per-task")) {
        const long cpus = args.integerOption("cpus-per-task", 1);
        experiment::checkCpusPerTask(cpus, "--cpus-per-task");
        options.cpusPerTask = static_cast<int>(cpus);
    }
    if (args.option("max-running")) {
        const long max = args.integerOption("max-running", 1);
        experiment::checkMaxRunning(max, "--max-running");
        options.maxRunning = static_cast<int>(max);
    }
    const std::vector<std::string> extra = args.optionValues("sbatch-arg");
    if (!extra.empty()) {
        for (const std::string& arg : extra)
            experiment::checkSbatchArgument(arg, "--sbatch-arg");
        options.sbatchArgs = extra;  // the flags replace the spec's list
    }
    return options;
}

fs::path prepareSlurmDirectory(const fs::path& out)
{
    if (!experiment::onPath("sbatch"))
        throw ConfigError("--backend slurm: sbatch is not on PATH; run on a machine with the Slurm client commands "
                          "(sbatch, squeue, scancel)");
    const fs::path directory = fs::absolute(out).lexically_normal();
    for (char c : directory.string())
        if (c == '\\' || static_cast<unsigned char>(c) < 0x20)
            throw ConfigError("--out " + quotedForMessage(directory.string())
                              + ": a backslash or control character in the path would change what sbatch's --output "
                                "pattern means; choose another directory");
    std::error_code error;
    if (fs::exists(directory, error) && !fs::is_directory(directory, error))
        throw ConfigError("--out " + directory.string() + ": is not a directory");
    fs::create_directories(directory);
    return directory;
}

int submitExperimentInConsole(const experiment::ExperimentSpec& spec, const fs::path& directory,
                              const experiment::SlurmSubmitOptions& options)
{
    experiment::SlurmCommands client;
    const auto result = experiment::submitExperiment(
        spec, directory, options, client, [](const fs::path& from, const fs::path& to, const std::string& why) {
            std::cout << "moved " << from.string() << " aside to " << to.string() << " (" << why << ")\n";
        });
    std::cout << "experiment " << spec.name << ": " << spec.arms.size() << " arm(s) x " << spec.seeds.size()
              << " seed(s) in " << directory.string() << "; " << result.kept << " ended, " << result.inQueue
              << " queued or running, " << result.submitted << " submitted now\n";
    for (const experiment::SubmittedArray& array : result.arrays)
        std::cout << "arm " << spec.arms[array.arm].name << ": array " << array.job << ", tasks "
                  << experiment::arrayIndexList(array.tasks)
                  << (array.dependency.empty() ? "" : " (after " + array.dependency + ")") << "\n";
    const std::vector<experiment::PlannedRun> runs = experiment::planRuns(spec, directory);
    for (std::size_t run : result.blocked)
        std::cout << "arm " << spec.arms[runs[run].arm].name << " seed " << runs[run].seed
                  << ": not submitted, its norm reference did not finish\n";
    std::cout << "note: " << directory.string() << " must be on a filesystem the nodes share, and "
                  << options.executable.string() << " runnable there\n";
    std::cout.flush();
    return 0;
}

int waitForExperiments(const std::vector<std::pair<experiment::ExperimentSpec, fs::path>>& experiments, bool quiet)
{
    experiment::SlurmCommands client;
    std::vector<std::vector<experiment::PlannedRun>> plans;
    for (const auto& [spec, directory] : experiments)
        plans.push_back(experiment::planRuns(spec, directory));
    std::map<std::string, std::string> shown;  // "<experiment dir>|<arm>|<seed>" -> what was printed
    int failedPolls = 0;
    while (true) {
        bool active = false;
        for (std::size_t e = 0; e < experiments.size(); ++e) {
            const auto& [spec, directory] = experiments[e];
            std::vector<experiment::ExperimentRunStatus> statuses;
            try {
                statuses = experiment::experimentStatus(spec, plans[e], directory, &client);
                failedPolls = 0;
            } catch (const RunLogError&) {
                throw;
            } catch (const std::runtime_error& error) {
                // A controller that does not answer for a moment is not the end of the
                // experiment; one minute of silence is.
                if (++failedPolls >= 30)
                    throw;
                std::cerr << "warning: " << error.what() << "; asking again\n";
                active = true;
                continue;
            }
            for (const auto& status : statuses) {
                active = active || status.active();
                const std::string key = directory.string() + "|" + status.arm + "|" + std::to_string(status.seed);
                const std::string text = experiment::describeRunState(status);
                // A running run's step changes every poll: its start is news, each step is not.
                const std::string change =
                    status.state == experiment::RunState::Running ? std::string("running") : text;
                if (shown[key] != change && !quiet)
                    std::cout << (experiments.size() > 1 ? spec.name + ": " : std::string()) << status.arm << " seed "
                              << status.seed << ": " << text << std::endl;
                shown[key] = change;
            }
        }
        if (!active)
            break;
        for (int slice = 0; slice < 20; ++slice) {
            if (stopRequested()) {
                std::cerr << "stopped waiting; the tasks go on in Slurm (grokscope-cli experiment-status DIR follows "
                             "them, experiment-cancel DIR cancels them)\n";
                return 130;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
    int exitCode = 0;
    for (std::size_t e = 0; e < experiments.size(); ++e) {
        const auto& [spec, directory] = experiments[e];
        const std::vector<experiment::RunRecord> records = experiment::slurmSummaryRecords(spec, plans[e], directory);
        experiment::writeSummary(spec, directory, records);
        std::size_t ended = 0;
        for (const auto& record : records)
            ended += record.complete() ? 1 : 0;
        std::cout << "summary in " << (directory / "summary.md").string() << " (" << ended << "/" << records.size()
                  << " runs ended)" << std::endl;
        if (ended < records.size()) {
            std::cerr << "error: " << (records.size() - ended) << " run(s) did not end; `grokscope-cli experiment-status "
                      << directory.string() << "` says why, and rerunning the same command resubmits them\n";
            exitCode = 1;
        }
    }
    return exitCode;
}

int experimentOnSlurm(const experiment::ExperimentSpec& spec, const Arguments& args)
{
    experiment::SlurmSubmitOptions options;
    options.slurm = slurmOptionsFromArguments(args, spec.slurm);
    options.retryFailed = args.has("retry-failed");
    options.executable = thisExecutable();
    const fs::path directory = prepareSlurmDirectory(*args.option("out"));
    submitExperimentInConsole(spec, directory, options);
    if (!args.has("wait")) {
        std::cout << "follow it with: grokscope-cli experiment-status " << directory.string()
                  << " --watch; rerun the same command to resubmit what was cancelled or stopped\n";
        return 0;
    }
    return waitForExperiments({{spec, directory}}, args.has("quiet"));
}

namespace {

std::size_t indexArgument(const std::string& text, const char* what)
{
    if (text.empty() || text.size() > 9 || text.find_first_not_of("0123456789") != std::string::npos)
        throw ConfigError(std::string("experiment-task: ") + what + ": expected a non-negative integer, got "
                          + quotedForMessage(text));
    return static_cast<std::size_t>(std::stoul(text));
}

// The task's job as Slurm names it, "<array>_<task>", or empty outside Slurm.
std::string slurmJob()
{
    const char* array = std::getenv("SLURM_ARRAY_JOB_ID");
    const char* task = std::getenv("SLURM_ARRAY_TASK_ID");
    return array && task ? std::string(array) + "_" + task : std::string();
}

// Runs grokscope-cli's own dispatch on `arguments` with stdout and stderr appended to
// `logFile`, as the local backend's child would write it; restores them afterwards.
int dispatchInto(const fs::path& logFile, const std::vector<std::string>& arguments)
{
    const int log = open(logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (log < 0)
        throw RunLogError(logFile.string() + ": cannot open for appending: " + std::strerror(errno));
    std::cout.flush();
    std::cerr.flush();
    const int savedOut = dup(STDOUT_FILENO), savedErr = dup(STDERR_FILENO);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    close(log);
    std::string header = "====";
    for (const std::string& a : arguments)
        header += " " + a;
    std::cout << header << "\n";
    std::vector<char*> argv;
    for (const std::string& a : arguments)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    const int code = dispatch(static_cast<int>(arguments.size()), argv.data());
    std::cout.flush();
    std::cerr.flush();
    dup2(savedOut, STDOUT_FILENO);
    dup2(savedErr, STDERR_FILENO);
    close(savedOut);
    close(savedErr);
    return code;
}

}  // namespace

int experimentTaskCommand(const Arguments& args)
{
    if (args.positional.size() != 3 || !args.overrides.empty())
        throw ConfigError("experiment-task: expected DIR ARM_INDEX SEED_INDEX (the Slurm backend's batch scripts run "
                          "it; see grokscope-cli experiment-task --help)");
    const fs::path directory = fs::absolute(args.positional[0]).lexically_normal();
    const std::size_t arm = indexArgument(args.positional[1], "ARM_INDEX");
    const std::size_t seedIndex = indexArgument(args.positional[2], "SEED_INDEX");
    const experiment::TaskLaunch task = experiment::prepareTask(directory, arm, seedIndex);
    const std::string job = slurmJob();
    // A requeued task finds its first attempt's exit file: gone, so that while this
    // attempt runs the status cannot read it as stopped and a rerun cannot submit it twice.
    std::error_code ignored;
    fs::remove(task.exitFile, ignored);
    int code = task.endedExitCode;
    if (!task.launch) {
        std::cout << "experiment-task: " << task.run.directory.string() << " has already ended; nothing to run\n";
    } else {
        std::cout << "experiment-task: " << (*task.launch == experiment::Launch::Start ? "start " : "resume ")
                  << task.run.directory.string() << "; its output goes to " << task.run.logFile.string() << std::endl;
        std::vector<std::string> arguments = {thisExecutable()};
        const std::vector<std::string> launch = experiment::launchArguments(task.run, *task.launch);
        arguments.insert(arguments.end(), launch.begin(), launch.end());
        code = dispatchInto(task.run.logFile, arguments);
    }
    fs::create_directories(task.exitFile.parent_path());
    experiment::writeTaskExit(task.exitFile, {code, job});
    std::cout << "experiment-task: exit code " << code << std::endl;
    return code;
}

}  // namespace grokscope::cli
