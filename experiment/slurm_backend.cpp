#include "slurm_backend.h"

#include "experiment_directory.h"
#include "launch_plan.h"
#include "io/config_json.h"
#include "io/run_log.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sys/file.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace grokscope::experiment {

std::vector<SubmitAction> chooseActions(const std::vector<PlannedRun>& runs,
                                        const std::vector<ExperimentRunStatus>& statuses, bool retryFailed)
{
    std::vector<SubmitAction> actions;
    for (const ExperimentRunStatus& status : statuses) {
        switch (status.state) {
        case RunState::Finished:
            actions.push_back(SubmitAction::Keep);
            break;
        case RunState::Failed:
            actions.push_back(retryFailed ? SubmitAction::Submit : SubmitAction::Keep);
            break;
        case RunState::Pending:
        case RunState::Running:
            actions.push_back(SubmitAction::InQueue);
            break;
        default:
            actions.push_back(SubmitAction::Submit);
        }
    }
    // A run whose reference ended without finishing (and stays so) can never start;
    // follow chains of references until nothing changes.
    for (bool changed = true; changed;) {
        changed = false;
        for (std::size_t i = 0; i < runs.size(); ++i) {
            if (actions[i] != SubmitAction::Submit || !runs[i].reference)
                continue;
            const std::size_t reference = *runs[i].reference;
            const bool referenceEndsUnfinished =
                actions[reference] == SubmitAction::Blocked
                || (actions[reference] == SubmitAction::Keep && statuses[reference].state != RunState::Finished);
            if (referenceEndsUnfinished) {
                actions[i] = SubmitAction::Blocked;
                changed = true;
            }
        }
    }
    return actions;
}

Dependency chooseDependency(const std::vector<PlannedRun>& runs, const std::vector<ExperimentRunStatus>& statuses,
                            const std::vector<SubmitAction>& actions, std::size_t run)
{
    Dependency dependency;
    if (!runs[run].reference)
        return dependency;
    const std::size_t reference = *runs[run].reference;
    if (actions[reference] == SubmitAction::Submit) {
        dependency.kind = Dependency::OnThisSubmission;
    } else if (actions[reference] == SubmitAction::InQueue) {
        dependency.kind = Dependency::OnQueued;
        const std::string& job = statuses[reference].job;
        dependency.array = job.substr(0, job.find('_'));
    }
    return dependency;
}

namespace {

// Arms in the order their arrays are submitted: launch_plan.h's order of their runs
// (Slurm starts pending jobs of equal priority in submission order, an array's tasks
// in index order), with each arm's norm reference before it, since its dependency
// names the reference's array. The spec refuses reference cycles, so this ends.
std::vector<std::size_t> submissionOrder(const ExperimentSpec& spec, const std::vector<PlannedRun>& runs)
{
    std::vector<double> work(runs.size());
    for (std::size_t i = 0; i < runs.size(); ++i)
        work[i] = expectedRunWork(runs[i].config);
    std::vector<std::size_t> byRank;  // arms in the order of their first run
    for (const std::size_t i : launchOrder(runs, work))
        if (std::find(byRank.begin(), byRank.end(), runs[i].arm) == byRank.end())
            byRank.push_back(runs[i].arm);
    for (std::size_t a = 0; a < spec.arms.size(); ++a)
        if (std::find(byRank.begin(), byRank.end(), a) == byRank.end())
            byRank.push_back(a);  // an arm without runs (no seeds) still gets its place
    std::vector<std::size_t> order;
    std::vector<bool> placed(spec.arms.size(), false);
    while (order.size() < spec.arms.size()) {
        for (const std::size_t a : byRank) {
            if (placed[a])
                continue;
            const std::string& reference = spec.arms[a].normReferenceArm;
            bool ready = reference.empty();
            for (std::size_t b = 0; b < spec.arms.size() && !ready; ++b)
                ready = spec.arms[b].name == reference && placed[b];
            if (ready) {
                placed[a] = true;
                order.push_back(a);
                break;  // the highest-ranked ready arm first, then look again from the top
            }
        }
    }
    return order;
}

// Held while one command submits: two at once would both see a run unsubmitted and
// submit it twice. (flock: on a network filesystem that emulates it, still one host's
// commands are kept apart.)
class SubmitLock {
public:
    explicit SubmitLock(const fs::path& file)
    {
        m_fd = open(file.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (m_fd < 0)
            throw RunLogError(file.string() + ": cannot open: " + std::strerror(errno));
        if (flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
            close(m_fd);
            throw ConfigError(file.parent_path().parent_path().string()
                              + ": another grokscope-cli is submitting this experiment now; wait for it, then rerun");
        }
    }
    ~SubmitLock() { close(m_fd); }
    SubmitLock(const SubmitLock&) = delete;
    SubmitLock& operator=(const SubmitLock&) = delete;

private:
    int m_fd = -1;
};

void refuseLinkAt(const fs::path& path)
{
    std::error_code error;
    const fs::file_status status = fs::symlink_status(path, error);
    if (fs::is_symlink(status))
        throw RunLogError(path.string() + ": is a symbolic link; an experiment writes only inside its directory");
    if (fs::exists(status) && !fs::is_directory(status))
        throw RunLogError(path.string() + ": is not a directory");
}

}  // namespace

SlurmSubmitResult submitExperiment(
    const ExperimentSpec& spec, const fs::path& directory, const SlurmSubmitOptions& options, SlurmClient& client,
    const std::function<void(const fs::path&, const fs::path&, const std::string&)>& movedAside)
{
    const std::vector<PlannedRun> runs = planRuns(spec, directory);
    refuseUnsafeRunPaths(runs);
    const SlurmLayout layout(directory);
    for (const fs::path& path : {layout.directory, layout.logs, layout.exits})
        refuseLinkAt(path);
    prepareDirectory(spec, directory);
    // sbatch --output into a directory that does not exist: the task never runs.
    fs::create_directories(layout.logs);
    fs::create_directories(layout.exits);
    const SubmitLock lock(layout.directory / "submit.lock");

    std::vector<ExperimentRunStatus> statuses;
    try {
        statuses = experimentStatus(spec, runs, directory, &client);
    } catch (const RunLogError&) {
        throw;
    } catch (const std::runtime_error& error) {
        // Nothing was submitted yet: Slurm not reachable is a setup problem.
        throw ConfigError(std::string("cannot ask Slurm about the experiment's tasks: ") + error.what()
                          + " (is SLURM_CONF set, and the controller up?)");
    }
    const std::vector<SubmitAction> actions = chooseActions(runs, statuses, options.retryFailed);
    SlurmSubmitResult result;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const PlannedRun& run = runs[i];
        switch (actions[i]) {
        case SubmitAction::Keep:
            ++result.kept;
            continue;
        case SubmitAction::InQueue:
            ++result.inQueue;
            continue;
        case SubmitAction::Blocked:
            result.blocked.push_back(i);
            continue;
        case SubmitAction::Submit:
            break;
        }
        RunRecord record = inspectRun(spec.arms[run.arm].name, run.seed, run.directory.string());
        if (record.status == RunStatus::Broken || record.status == RunStatus::Failed) {
            const fs::path aside = moveAside(run.directory);
            movedAside(run.directory, aside,
                       record.status == RunStatus::Failed ? "failed: " + record.detail + "; retried" : record.detail);
            record.status = RunStatus::Missing;
        }
        fs::create_directories(run.directory.parent_path());
        if (record.status == RunStatus::Missing)
            writeFileAtomically(run.configFile, configToJson(run.config).dump(2) + "\n");
        fs::remove(layout.exitFile(run.arm, statuses[i].seedIndex));  // an older task's
    }

    std::map<std::size_t, std::string> newArrayOfRun;
    for (const std::size_t arm : submissionOrder(spec, runs)) {
        // The arm's runs to submit, grouped by the array their tasks wait for: one
        // sbatch call per group, since a dependency holds for a whole array.
        std::map<std::string, std::vector<std::size_t>> groups;
        for (std::size_t i = 0; i < runs.size(); ++i) {
            if (runs[i].arm != arm || actions[i] != SubmitAction::Submit)
                continue;
            const Dependency dependency = chooseDependency(runs, statuses, actions, i);
            std::string array = dependency.array;
            if (dependency.kind == Dependency::OnThisSubmission)
                array = newArrayOfRun.at(*runs[i].reference);
            groups[array].push_back(i);
        }
        if (groups.empty())
            continue;
        writeFileAtomically(layout.script(arm), batchScriptText(arm));
        fs::permissions(layout.script(arm), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec
                                                | fs::perms::others_read | fs::perms::others_exec);
        for (const auto& [array, members] : groups) {
            ArraySubmission submission;
            submission.arm = arm;
            submission.dependsOnArray = array;
            submission.executable = options.executable;
            submission.experimentDirectory = directory;
            for (std::size_t i : members)
                submission.tasks.push_back(statuses[i].seedIndex);
            SubmissionRecord record;
            record.sbatch = sbatchArguments(options.slurm, submission);
            try {
                record.job = client.submit(record.sbatch);
            } catch (const std::runtime_error& error) {
                throw ConfigError(error.what() + std::string(result.arrays.empty() ? "" : " (the arrays before it were "
                                                                                        "submitted; rerun to submit the rest)"));
            }
            record.arm = arm;
            record.tasks = submission.tasks;
            record.dependency = array.empty() ? "" : "aftercorr:" + array;
            record.submittedUtc = utcNow();
            appendSubmission(layout.submissions, record);
            for (std::size_t i : members)
                newArrayOfRun[i] = record.job;
            result.submitted += members.size();
            result.arrays.push_back({arm, record.job, record.tasks, record.dependency});
        }
    }
    return result;
}

std::vector<RunRecord> slurmSummaryRecords(const ExperimentSpec& spec, const std::vector<PlannedRun>& runs,
                                           const fs::path& directory)
{
    std::vector<RunRecord> records = inspectRuns(spec, runs);
    const SlurmLayout layout(directory);
    // As the local runner does: a task that ended with an error says so in the detail,
    // and a run whose reference ended without finishing is Skipped.
    std::vector<bool> endedUnfinished(runs.size(), false);
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const auto exit = readTaskExit(layout.exitFile(runs[i].arm, seedIndex(spec, runs[i].seed)));
        const bool taskError = exit && exit->exitCode != 0 && exit->exitCode != 130;
        if (taskError && !records[i].complete())
            records[i].detail = "grokscope-cli exit code " + std::to_string(exit->exitCode)
                                + (records[i].detail.empty() ? std::string() : "; " + records[i].detail);
        endedUnfinished[i] = (records[i].complete() && records[i].status != RunStatus::Finished) || taskError;
    }
    for (bool changed = true; changed;) {
        changed = false;
        for (std::size_t i = 0; i < runs.size(); ++i) {
            if (records[i].status != RunStatus::Missing || !runs[i].reference || !endedUnfinished[*runs[i].reference]
                || records[i].status == RunStatus::Skipped)
                continue;
            const RunRecord& reference = records[*runs[i].reference];
            records[i].status = RunStatus::Skipped;
            records[i].detail = "its norm reference (" + reference.arm + " seed " + std::to_string(reference.seed)
                                + ") did not finish";
            endedUnfinished[i] = true;
            changed = true;
        }
    }
    return records;
}

TaskLaunch prepareTask(const fs::path& directory, std::size_t arm, std::size_t index)
{
    const fs::path specFile = directory / "spec.json";
    if (!fs::exists(specFile))
        throw ConfigError(specFile.string() + ": not found; is " + directory.string() + " an experiment directory?");
    const ExperimentSpec spec = loadSpec(specFile.string());
    if (arm >= spec.arms.size())
        throw ConfigError("experiment-task: arm index " + std::to_string(arm) + " is out of range (the spec has "
                          + std::to_string(spec.arms.size()) + " arms)");
    if (index >= spec.seeds.size())
        throw ConfigError("experiment-task: seed index " + std::to_string(index) + " is out of range (the spec has "
                          + std::to_string(spec.seeds.size()) + " seeds)");
    const std::vector<PlannedRun> runs = planRuns(spec, directory);
    TaskLaunch task;
    for (const PlannedRun& run : runs)
        if (run.arm == arm && run.seed == spec.seeds[index])
            task.run = run;
    refuseUnsafeRunPaths({task.run});
    task.exitFile = SlurmLayout(directory).exitFile(arm, index);
    const RunRecord record = inspectRun(spec.arms[arm].name, task.run.seed, task.run.directory.string());
    switch (record.status) {
    case RunStatus::Finished:
        task.endedExitCode = 0;
        return task;
    case RunStatus::Failed:
        task.endedExitCode = 3;
        return task;
    case RunStatus::Resumable:
        task.launch = Launch::Resume;
        return task;
    case RunStatus::Broken:
        moveAside(task.run.directory);
        break;
    default:
        break;
    }
    task.launch = Launch::Start;
    fs::create_directories(task.run.directory.parent_path());
    writeFileAtomically(task.run.configFile, configToJson(task.run.config).dump(2) + "\n");
    return task;
}

}  // namespace grokscope::experiment
