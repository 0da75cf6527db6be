#include "experiment_status.h"

#include "io/input_file.h"
#include "io/run_log.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <sstream>

namespace fs = std::filesystem;

namespace grokscope::experiment {

std::string describeRunState(const ExperimentRunStatus& s)
{
    switch (s.state) {
    case RunState::NotSubmitted:
        return "not submitted";
    case RunState::Pending:
        return "pending";
    case RunState::Running:
        return "running at step " + std::to_string(s.step);
    case RunState::Finished:
        return s.tGrok ? "grokked at " + std::to_string(*s.tGrok) : "finished";
    case RunState::Failed:
        if (s.exitCode)
            return "failed with exit code " + std::to_string(*s.exitCode);
        return "failed (" + s.detail + ")";
    case RunState::Stopped:
        return "stopped at step " + std::to_string(s.step);
    case RunState::Cancelled:
        return "cancelled";
    }
    return "unknown";
}

namespace {

// A task's exit status that means "stopped as asked" (a run answers SIGINT/SIGTERM with
// a checkpoint and 130; 143 is a TERM that came before the handler was installed).
bool stoppedExit(int code) { return code == 130 || code == 143 || code == 0; }

// Slurm's end states that are not the run's own failure: it was stopped from outside.
bool stoppedFromOutside(const std::string& state)
{
    return state == "CANCELLED" || state == "TIMEOUT" || state == "PREEMPTED" || state == "NODE_FAIL"
           || state == "DEADLINE" || state == "BOOT_FAIL" || state == "COMPLETED";
}

}  // namespace

void classifyRun(const RunEvidence& e, ExperimentRunStatus& s)
{
    const RunRecord& r = e.record;
    s.step = r.finalStep;
    s.resumable = r.status == RunStatus::Resumable;
    s.job = e.job.value_or("");
    s.exitCode.reset();
    s.tGrok.reset();
    s.detail.clear();
    // An exit file counts when it belongs to the latest submission (or there is none).
    const std::optional<TaskExit> exit =
        e.exit && (!e.job || e.exit->job.empty() || e.exit->job == *e.job) ? e.exit : std::nullopt;
    auto stoppedOrCancelled = [&] {
        if (s.resumable || (r.status == RunStatus::Broken && r.finalStep > 0)) {
            s.state = RunState::Stopped;
            if (!s.resumable)
                s.detail = "no checkpoint: a rerun starts it again";
        } else {
            s.state = RunState::Cancelled;
        }
    };

    if (r.status == RunStatus::Finished) {
        s.state = RunState::Finished;
        s.tGrok = r.tGrok;
        return;
    }
    if (r.status == RunStatus::Failed) {
        s.state = RunState::Failed;
        s.detail = r.detail;
        if (exit && exit->exitCode != 0)
            s.exitCode = exit->exitCode;
        else if (e.queued && e.queued->exitCode && *e.queued->exitCode != 0)
            s.exitCode = e.queued->exitCode;
        return;
    }
    if (e.queued && e.queued->kind == QueueState::Pending) {
        s.state = RunState::Pending;
        return;
    }
    if (e.queued && e.queued->kind == QueueState::Running && !exit) {
        s.state = RunState::Running;
        return;
    }
    if (exit) {
        if (stoppedExit(exit->exitCode)) {
            stoppedOrCancelled();
        } else {
            s.state = RunState::Failed;
            s.exitCode = exit->exitCode;
            s.detail = "its task ended with exit code " + std::to_string(exit->exitCode);
        }
        return;
    }
    if (e.queued) {  // ended in Slurm without an exit file: the task never got to write one
        if (stoppedFromOutside(e.queued->state)) {
            stoppedOrCancelled();
        } else {
            s.state = RunState::Failed;
            s.exitCode = e.queued->exitCode;
            s.detail = "Slurm: " + e.queued->state + " (" + e.queued->reason + ")";
        }
        return;
    }
    if (e.job) {  // submitted, and no trace anywhere
        stoppedOrCancelled();
        return;
    }
    // Never submitted to Slurm: a local run, or none.
    if (r.status == RunStatus::Missing) {
        s.state = RunState::NotSubmitted;
        return;
    }
    // A local run's log does not say whether its process is alive: one written to in
    // the last minutes is taken as running, unless it recorded its own stop.
    if (e.recentlyWritten && !e.stoppedEvent) {
        s.state = RunState::Running;
        return;
    }
    s.state = RunState::Stopped;
    if (!s.resumable)
        s.detail = "no checkpoint: a rerun starts it again";
}

std::size_t seedIndex(const ExperimentSpec& spec, unsigned long long seed)
{
    const auto at = std::find(spec.seeds.begin(), spec.seeds.end(), seed);
    return static_cast<std::size_t>(at - spec.seeds.begin());
}

std::vector<std::optional<std::string>> latestArrays(const std::vector<PlannedRun>& runs,
                                                     const std::vector<unsigned long long>& seeds,
                                                     const std::vector<SubmissionRecord>& submissions)
{
    std::map<std::pair<std::size_t, std::size_t>, std::string> latest;
    for (const SubmissionRecord& record : submissions)  // in file order: a later line wins
        for (std::size_t task : record.tasks)
            latest[{record.arm, task}] = record.job;
    std::vector<std::optional<std::string>> arrays;
    for (const PlannedRun& run : runs) {
        const std::size_t index = static_cast<std::size_t>(std::find(seeds.begin(), seeds.end(), run.seed) - seeds.begin());
        const auto found = latest.find({run.arm, index});
        arrays.push_back(found == latest.end() ? std::nullopt : std::optional<std::string>(found->second));
    }
    return arrays;
}

namespace {

// Whether the last of the log's "stopped" and "resumed" events is "stopped".
bool lastStopOrResumeIsStop(const fs::path& events)
{
    std::error_code error;
    if (!fs::is_regular_file(fs::symlink_status(events, error)))
        return false;
    std::string text;
    try {
        text = readTextFile(events.string(), 64u << 20);
    } catch (const std::exception&) {
        return false;
    }
    bool stopped = false;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        const auto json = tryParseJsonText(line);
        if (!json || !json->is_object() || !json->contains("type") || !(*json)["type"].is_string())
            continue;
        const std::string type = (*json)["type"].get<std::string>();
        if (type == "stopped")
            stopped = true;
        else if (type == "resumed")
            stopped = false;
    }
    return stopped;
}

bool writtenWithin(const fs::path& directory, std::chrono::seconds window)
{
    std::error_code error;
    const auto now = fs::file_time_type::clock::now();
    for (const char* name : {runlog::kMetrics, runlog::kEvents, runlog::kConfig}) {
        const auto when = fs::last_write_time(directory / name, error);
        if (!error && now - when < window)
            return true;
    }
    return false;
}

}  // namespace

std::vector<ExperimentRunStatus> experimentStatus(const ExperimentSpec& spec, const std::vector<PlannedRun>& runs,
                                                  const fs::path& directory, SlurmClient* client)
{
    const SlurmLayout layout(directory);
    const std::vector<SubmissionRecord> submissions = readSubmissions(layout.submissions);
    const std::vector<std::optional<std::string>> arrays = latestArrays(runs, spec.seeds, submissions);
    std::map<std::pair<std::string, std::size_t>, QueueTask> queue;
    if (client) {
        std::set<std::string> ids;
        for (const auto& array : arrays)
            if (array)
                ids.insert(*array);
        for (QueueTask& task : client->queue({ids.begin(), ids.end()}))
            queue[{task.arrayJob, task.task}] = task;
    }
    std::vector<ExperimentRunStatus> statuses;
    for (std::size_t i = 0; i < runs.size(); ++i) {
        const PlannedRun& run = runs[i];
        ExperimentRunStatus status;
        status.armIndex = run.arm;
        status.arm = spec.arms[run.arm].name;
        status.seed = run.seed;
        status.seedIndex = seedIndex(spec, run.seed);
        RunEvidence evidence;
        evidence.record = inspectRun(status.arm, run.seed, run.directory.string());
        if (evidence.record.status != RunStatus::Missing) {
            evidence.stoppedEvent = lastStopOrResumeIsStop(run.directory / runlog::kEvents);
            evidence.recentlyWritten = writtenWithin(run.directory, std::chrono::minutes(2));
        }
        if (arrays[i]) {
            evidence.job = *arrays[i] + "_" + std::to_string(status.seedIndex);
            const auto queued = queue.find({*arrays[i], status.seedIndex});
            if (queued != queue.end())
                evidence.queued = queued->second;
        }
        evidence.exit = readTaskExit(layout.exitFile(run.arm, status.seedIndex));
        classifyRun(evidence, status);
        statuses.push_back(std::move(status));
    }
    return statuses;
}

std::string countLine(const std::vector<ExperimentRunStatus>& statuses)
{
    static const std::vector<std::pair<RunState, const char*>> names = {
        {RunState::Finished, "finished"},   {RunState::Failed, "failed"},     {RunState::Running, "running"},
        {RunState::Pending, "pending"},     {RunState::Stopped, "stopped"},   {RunState::Cancelled, "cancelled"},
        {RunState::NotSubmitted, "not submitted"}};
    std::string line = std::to_string(statuses.size()) + (statuses.size() == 1 ? " run" : " runs");
    const char* separator = ": ";
    for (const auto& [state, name] : names) {
        const auto n = std::count_if(statuses.begin(), statuses.end(),
                                     [state = state](const ExperimentRunStatus& s) { return s.state == state; });
        if (n == 0)
            continue;
        line += separator + std::to_string(n) + " " + name;
        separator = ", ";
    }
    return line;
}

}  // namespace grokscope::experiment
