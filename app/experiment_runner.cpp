#include "experiment_runner.h"

#include "io/config_json.h"
#include "io/input_file.h"
#include "io/run_log.h"

#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <spawn.h>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace fs = std::filesystem;

namespace grokscope::experiment {

namespace {

volatile std::sig_atomic_t g_stopSignal = 0;

void onStopSignal(int signal) { g_stopSignal = signal; }

// No SA_RESTART: the loop polls anyway, and a signal must never be lost to a retry.
void installStopHandler()
{
    struct sigaction action {};
    action.sa_handler = onStopSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
}

enum class Action { Keep, Start, Resume };

struct Job {
    const PlannedRun* plan = nullptr;
    Action action = Action::Keep;
    bool done = false;
    pid_t pid = -1;
    std::chrono::steady_clock::time_point started;
    RunRecord record;
    std::string childError;  // how its last child ended when the run did not: "exit code 3"
};

void writeFile(const fs::path& path, const std::string& text)
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

pid_t spawn(const std::string& executable, const std::vector<std::string>& arguments, const fs::path& logFile)
{
    {
        std::ofstream log(logFile, std::ios::app);
        log << "==== " << executable;
        for (const std::string& a : arguments)
            log << ' ' << a;
        log << '\n';
    }
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(executable.c_str()));
    for (const std::string& a : arguments)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    pid_t pid = -1;
    const int error = posix_spawn(&pid, executable.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0)
        throw std::runtime_error("cannot start " + executable + ": " + std::strerror(error));
    return pid;
}

// Every path a run writes through from here: its arm's directory, its own directory,
// the config the child reads and the log its output is appended to. A symbolic link
// at any of them would carry the run's files out of --out, and a FIFO in place of the
// log would block the runner, so both are refused before anything is written.
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
        if (existing != spec.source)
            throw ConfigError(copy.string() + " holds a different experiment spec than " + spec.origin
                              + "; choose another --out, or put the old spec back to continue that experiment");
        return;
    }
    writeFile(copy, spec.source.dump(2) + "\n");
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
    writeFile(outDirectory / "runs.csv", runsCsv(records));
    writeFile(outDirectory / "summary.csv", summaryCsv(arms));
    writeFile(outDirectory / "summary.md", markdown);
    return markdown;
}

int runExperiment(const ExperimentSpec& spec, const fs::path& outDirectory, const RunnerOptions& options)
{
    const std::vector<PlannedRun> runs = planRuns(spec, outDirectory);
    refuseUnsafeRunPaths(runs);
    prepareDirectory(spec, outDirectory);
    installStopHandler();

    std::vector<Job> jobs(runs.size());
    std::size_t toStart = 0, toResume = 0, done = 0;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        Job& job = jobs[i];
        job.plan = &runs[i];
        job.record = inspectRun(spec.arms[runs[i].arm].name, runs[i].seed, runs[i].directory.string());
        switch (job.record.status) {
        case RunStatus::Finished:
        case RunStatus::Failed:
            job.done = true;
            ++done;
            break;
        case RunStatus::Resumable:
            job.action = Action::Resume;
            ++toResume;
            break;
        case RunStatus::Broken: {
            const fs::path aside = moveAside(runs[i].directory);
            std::cout << "moved " << runs[i].directory.string() << " aside to " << aside.string() << " ("
                      << job.record.detail << ")\n";
            job.action = Action::Start;
            ++toStart;
            break;
        }
        default:
            job.action = Action::Start;
            ++toStart;
        }
        fs::create_directories(runs[i].directory.parent_path());
        if (job.action == Action::Start)
            writeFile(runs[i].configFile, configToJson(runs[i].config).dump(2) + "\n");
    }
    const std::size_t total = runs.size();
    std::cout << "experiment " << spec.name << ": " << spec.arms.size() << " arm(s) × " << spec.seeds.size()
              << " seed(s) = " << total << " runs in " << outDirectory.string() << "; " << done
              << " already ended, " << toResume << " to resume, " << toStart << " to start; " << options.jobs
              << " at a time" << std::endl;

    auto label = [&](const Job& job) {
        return spec.arms[job.plan->arm].name + " seed " + std::to_string(job.plan->seed);
    };
    std::size_t running = 0, errors = 0;
    bool forwarded = false;
    while (true) {
        const bool stopping = g_stopSignal != 0;
        if (stopping && !forwarded) {
            forwarded = true;
            std::cout << "stopping: asking " << running << " running run(s) to checkpoint and stop" << std::endl;
            for (const Job& job : jobs)
                if (job.pid > 0)
                    kill(job.pid, SIGINT);
        }
        // Launch what is ready.
        for (Job& job : jobs) {
            if (stopping || running >= static_cast<std::size_t>(options.jobs))
                break;
            if (job.done || job.pid > 0)
                continue;
            if (job.action == Action::Start && job.plan->reference) {
                const Job& reference = jobs[*job.plan->reference];
                if (!reference.done)
                    continue;
                if (reference.record.status != RunStatus::Finished) {
                    job.done = true;
                    job.record.status = RunStatus::Skipped;
                    job.record.detail = "its norm reference (" + label(reference) + ") did not finish";
                    ++errors;
                    std::cout << "[" << done << "/" << total << "] " << label(job) << ": skipped, "
                              << job.record.detail << std::endl;
                    continue;
                }
            }
            std::vector<std::string> arguments;
            if (job.action == Action::Start)
                arguments = {"run", "--config", job.plan->configFile.string(), "--out", job.plan->directory.string(),
                             "--quiet"};
            else
                arguments = {"resume", job.plan->directory.string(), "--quiet"};
            job.pid = spawn(options.executable, arguments, job.plan->logFile);
            job.started = std::chrono::steady_clock::now();
            ++running;
            if (!options.quiet)
                std::cout << "[" << done << "/" << total << "] " << (job.action == Action::Start ? "start " : "resume ")
                          << label(job) << std::endl;
        }
        if (running == 0) {
            bool pending = false;
            for (const Job& job : jobs)
                pending = pending || !job.done;
            if (stopping || !pending)
                break;
            // Pending runs whose reference can never finish are caught above; nothing
            // else can block, so reaching here means a logic error.
            std::cerr << "error: runs are waiting with nothing running\n";
            return 1;
        }
        // Reap finished children.
        for (Job& job : jobs) {
            if (job.pid <= 0)
                continue;
            int status = 0;
            const pid_t reaped = waitpid(job.pid, &status, WNOHANG);
            if (reaped == 0 || (reaped < 0 && errno == EINTR))
                continue;
            job.pid = -1;
            --running;
            const double seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - job.started).count();
            job.record = inspectRun(spec.arms[job.plan->arm].name, job.plan->seed, job.plan->directory.string());
            // 130 is a child's answer to the SIGINT forwarded above (SIGINT itself when
            // it came before the child's handler); any other code or signal is an
            // error, even while stopping.
            const bool stoppedCleanly = (WIFEXITED(status) && (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 130))
                                        || (WIFSIGNALED(status) && WTERMSIG(status) == SIGINT);
            if (job.record.complete()) {
                job.done = true;
                ++done;
                if (!options.quiet)
                    std::cout << "[" << done << "/" << total << "] " << label(job) << ": " << describe(job.record)
                              << " (" << std::fixed << std::setprecision(1) << seconds << " s)" << std::defaultfloat
                              << std::endl;
            } else if (stopping && stoppedCleanly) {
                if (!options.quiet)
                    std::cout << "[" << done << "/" << total << "] " << label(job) << ": stopped at step "
                              << job.record.finalStep << std::endl;
            } else {
                job.done = true;
                ++errors;
                std::ostringstream why;
                if (WIFEXITED(status))
                    why << "exit code " << WEXITSTATUS(status);
                else if (WIFSIGNALED(status))
                    why << "killed by signal " << WTERMSIG(status);
                job.childError = why.str();
                std::cout << "[" << done << "/" << total << "] " << label(job) << ": ERROR, " << why.str()
                          << "; see " << job.plan->logFile.string() << std::endl;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }

    std::vector<RunRecord> records = inspectRuns(spec, runs);
    for (std::size_t i = 0; i < jobs.size(); ++i)
        if (jobs[i].record.status == RunStatus::Skipped)
            records[i] = jobs[i].record;  // a run never started leaves nothing on disk to say why
        else if (!jobs[i].childError.empty() && !records[i].complete())
            records[i].detail = "grokscope-cli " + jobs[i].childError
                                + (records[i].detail.empty() ? std::string() : "; " + records[i].detail);
    writeSummary(spec, outDirectory, records);
    std::cout << "summary in " << (outDirectory / "summary.md").string() << " (" << done << "/" << total
              << " runs ended)" << std::endl;
    if (g_stopSignal) {
        std::cerr << "interrupted: rerun the same command to resume the unfinished runs\n";
        return 130;
    }
    if (errors || done < total) {
        std::cerr << "error: " << (total - done) << " run(s) did not end; see their .log files, and rerun the "
                  << "same command to retry them\n";
        return 1;
    }
    return 0;
}

}  // namespace grokscope::experiment
