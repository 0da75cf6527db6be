#include "experiment_runner.h"

#include "launch_plan.h"

#include "io/config_json.h"

#include <chrono>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;

namespace grokscope::experiment {

namespace {

struct Job {
    const PlannedRun* plan = nullptr;
    Launch launch = Launch::Start;
    bool done = false;  // ended, skipped, or given up on after a child error
    std::optional<JobId> id;  // while submitted
    std::chrono::steady_clock::time_point started;
    RunRecord record;
    std::string childError;  // how its last child ended when the run did not: "exit code 3"
};

// Launches, reaps and cancels the jobs of one runExperiment call.
class Supervisor {
public:
    Supervisor(const ExperimentSpec& spec, const std::vector<PlannedRun>& runs, const RunnerOptions& options,
               RunScheduler& scheduler, ExperimentObserver& observer)
        : m_spec(spec), m_runs(runs), m_options(options), m_scheduler(scheduler), m_observer(observer),
          m_jobs(runs.size())
    {
    }

    // What each run needs, from what it left on disk; writes the configs of runs to start.
    void plan(const fs::path& outDirectory);
    void superviseUntilDone();
    // The records for the summary: read back from disk, plus what only the runner knows.
    std::vector<RunRecord> records() const;
    ExperimentResult result() const;

private:
    RunProgress progress(const Job& job) const
    {
        return {m_spec.arms[job.plan->arm].name, job.plan->seed, m_ended, m_runs.size()};
    }
    void cancelAll();
    void launchReady();
    bool referenceBlocks(Job& job);
    void reapEnded(bool stopping);
    void settle(Job& job, const JobEnd& end, bool stopping);

    const ExperimentSpec& m_spec;
    const std::vector<PlannedRun>& m_runs;
    const RunnerOptions& m_options;
    RunScheduler& m_scheduler;
    ExperimentObserver& m_observer;
    std::vector<Job> m_jobs;
    std::vector<std::size_t> m_launchOrder;  // launch_plan.h: longest critical path first
    std::size_t m_ended = 0, m_running = 0, m_errors = 0;
};

void Supervisor::plan(const fs::path& outDirectory)
{
    ExperimentPlanCounts counts;
    for (std::size_t i = 0; i < m_runs.size(); ++i) {
        Job& job = m_jobs[i];
        const PlannedRun& run = m_runs[i];
        job.plan = &run;
        job.record = inspectRun(m_spec.arms[run.arm].name, run.seed, run.directory.string());
        switch (job.record.status) {
        case RunStatus::Finished:
        case RunStatus::Failed:
            job.done = true;
            ++m_ended;
            break;
        case RunStatus::Resumable:
            job.launch = Launch::Resume;
            ++counts.toResume;
            break;
        case RunStatus::Broken:
            m_observer.movedAside(run.directory, moveAside(run.directory), job.record.detail);
            ++counts.toStart;
            break;
        default:
            ++counts.toStart;
        }
        fs::create_directories(run.directory.parent_path());
        if (!job.done && job.launch == Launch::Start)
            writeFileAtomically(run.configFile, configToJson(run.config).dump(2) + "\n");
    }
    std::vector<double> work(m_runs.size(), 0.0);
    for (std::size_t i = 0; i < m_runs.size(); ++i)
        if (!m_jobs[i].done)
            work[i] = expectedRunWork(m_runs[i].config, m_jobs[i].launch == Launch::Resume ? m_jobs[i].record.finalStep : 0);
    m_launchOrder = launchOrder(m_runs, work);
    counts.experiment = m_spec.name;
    counts.directory = outDirectory;
    counts.arms = m_spec.arms.size();
    counts.seeds = m_spec.seeds.size();
    counts.total = m_runs.size();
    counts.ended = m_ended;
    counts.jobs = m_options.jobs;
    m_observer.planned(counts);
}

void Supervisor::superviseUntilDone()
{
    bool cancelled = false;
    while (true) {
        const bool stopping = m_options.stopRequested();
        if (stopping && !cancelled) {
            cancelled = true;
            cancelAll();
        }
        if (!stopping)
            launchReady();
        if (m_running == 0) {
            bool pending = false;
            for (const Job& job : m_jobs)
                pending = pending || !job.done;
            if (stopping || !pending)
                return;
            // Pending runs whose reference can never finish are skipped in launchReady;
            // nothing else can block, so reaching here is a bug.
            throw std::logic_error("runs are waiting with nothing running");
        }
        reapEnded(stopping);
        std::this_thread::sleep_for(m_scheduler.pollInterval());
    }
}

void Supervisor::cancelAll()
{
    m_observer.stopping(m_running);
    for (const Job& job : m_jobs)
        if (job.id)
            m_scheduler.cancel(*job.id);
}

// A run that follows another's ‖θ‖ waits for it, and is skipped when it did not finish.
bool Supervisor::referenceBlocks(Job& job)
{
    if (job.launch != Launch::Start || !job.plan->reference)
        return false;
    const Job& reference = m_jobs[*job.plan->reference];
    if (!reference.done)
        return true;
    if (reference.record.status == RunStatus::Finished)
        return false;
    job.done = true;
    job.record.status = RunStatus::Skipped;
    job.record.detail = "its norm reference (" + m_spec.arms[reference.plan->arm].name + " seed "
                        + std::to_string(reference.plan->seed) + ") did not finish";
    ++m_errors;
    m_observer.skipped(progress(job), job.record.detail);
    return true;
}

void Supervisor::launchReady()
{
    for (const std::size_t index : m_launchOrder) {
        Job& job = m_jobs[index];
        if (m_running >= static_cast<std::size_t>(m_options.jobs))
            return;
        if (job.done || job.id || referenceBlocks(job))
            continue;
        job.id = m_scheduler.submit(*job.plan, job.launch);
        job.started = std::chrono::steady_clock::now();
        ++m_running;
        m_observer.launched(progress(job), job.launch);
    }
}

void Supervisor::reapEnded(bool stopping)
{
    for (Job& job : m_jobs) {
        if (!job.id)
            continue;
        const std::optional<JobEnd> end = m_scheduler.poll(*job.id);
        if (!end)
            continue;
        job.id.reset();
        --m_running;
        settle(job, *end, stopping);
    }
}

// A run ends when its log says so, whatever its process's exit; a process that stopped
// as asked while stopping leaves the run resumable; anything else is an error, even
// while stopping.
void Supervisor::settle(Job& job, const JobEnd& end, bool stopping)
{
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - job.started).count();
    job.record = inspectRun(m_spec.arms[job.plan->arm].name, job.plan->seed, job.plan->directory.string());
    if (job.record.complete()) {
        job.done = true;
        ++m_ended;
        m_observer.ended(progress(job), job.record, seconds);
    } else if (stopping && end.stoppedCleanly()) {
        m_observer.stopped(progress(job), job.record.finalStep);
    } else {
        job.done = true;
        ++m_errors;
        job.childError = end.describe();
        m_observer.failedToEnd(progress(job), job.childError, job.plan->logFile);
    }
}

std::vector<RunRecord> Supervisor::records() const
{
    std::vector<RunRecord> records = inspectRuns(m_spec, m_runs);
    for (std::size_t i = 0; i < m_jobs.size(); ++i)
        if (m_jobs[i].record.status == RunStatus::Skipped)
            records[i] = m_jobs[i].record;  // a run never started leaves nothing on disk to say why
        else if (!m_jobs[i].childError.empty() && !records[i].complete())
            records[i].detail = "grokscope-cli " + m_jobs[i].childError
                                + (records[i].detail.empty() ? std::string() : "; " + records[i].detail);
    return records;
}

ExperimentResult Supervisor::result() const
{
    ExperimentResult result;
    result.ended = m_ended;
    result.total = m_runs.size();
    if (m_options.stopRequested())
        result.outcome = ExperimentOutcome::Interrupted;
    else if (m_errors || m_ended < m_runs.size())
        result.outcome = ExperimentOutcome::Incomplete;
    return result;
}

}  // namespace

ExperimentResult runExperiment(const ExperimentSpec& spec, const fs::path& outDirectory, const RunnerOptions& options,
                               RunScheduler& scheduler, ExperimentObserver& observer)
{
    const auto start = std::chrono::steady_clock::now();
    const std::vector<PlannedRun> runs = planRuns(spec, outDirectory);
    refuseUnsafeRunPaths(runs);
    prepareDirectory(spec, outDirectory);
    Supervisor supervisor(spec, runs, options, scheduler, observer);
    supervisor.plan(outDirectory);
    supervisor.superviseUntilDone();
    addToCumulativeSeconds(outDirectory / "experiment_time.json",
                           std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    writeSummary(spec, outDirectory, supervisor.records());
    return supervisor.result();
}

}  // namespace grokscope::experiment
