// The experiment runner in-process, with known answers: it supervises the planned
// runs through a RunScheduler and reports through an ExperimentObserver. A fake
// scheduler stands in for the child processes, so nothing trains: the launch order,
// --jobs, norm references, a failed child, a skipped run, a rerun that keeps what
// ended, and a stop request.

#include "experiment_runner.h"
#include "io/config_json.h"
#include "io/input_file.h"
#include "known_run_log.h"
#include "test_files.h"

#include <QtTest>
#include <QTemporaryDir>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

using namespace grokscope;
using namespace grokscope::experiment;
namespace fs = std::filesystem;

namespace {

// Stands in for the child processes: each submitted run ends as its arm's fate says,
// on its first poll (or, for RunUntilCancelled, on the first poll after cancel).
class FakeScheduler : public RunScheduler {
public:
    enum class Fate { Finish, ExitCode3, RunUntilCancelled };
    std::map<std::string, Fate> fateOfArm;  // by arm directory name; Finish when absent
    std::vector<std::string> submitted;     // "<arm>/seed_<s> start|resume", in order
    std::size_t mostRunning = 0;
    std::size_t cancels = 0;

    JobId submit(const PlannedRun& run, Launch launch) override
    {
        const std::string arm = run.directory.parent_path().filename().string();
        const auto fate = fateOfArm.find(arm);
        m_jobs[m_next] = {&run, fate == fateOfArm.end() ? Fate::Finish : fate->second, false};
        submitted.push_back(arm + "/" + run.directory.filename().string()
                            + (launch == Launch::Start ? " start" : " resume"));
        mostRunning = std::max(mostRunning, m_jobs.size());
        return m_next++;
    }
    std::optional<JobEnd> poll(JobId id) override
    {
        const Job job = m_jobs.at(id);
        JobEnd end;
        end.exited = true;
        switch (job.fate) {
        case Fate::Finish:
            writeFinishedRun(job.run->directory, "z23-quick", job.run->seed, 1000 + 100 * long(job.run->seed));
            break;
        case Fate::ExitCode3:
            end.exitCode = 3;
            break;
        case Fate::RunUntilCancelled:
            if (!job.cancelled)
                return std::nullopt;
            end.exitCode = 130;
            break;
        }
        m_jobs.erase(id);
        return end;
    }
    void cancel(JobId id) override
    {
        m_jobs.at(id).cancelled = true;
        ++cancels;
    }
    std::chrono::milliseconds pollInterval() const override { return std::chrono::milliseconds(1); }

private:
    struct Job {
        const PlannedRun* run;
        Fate fate;
        bool cancelled;
    };
    std::map<JobId, Job> m_jobs;
    JobId m_next = 1;
};

// Every report as one line, "<event> <arm> <seed> [ended/total] detail".
class RecordingObserver : public ExperimentObserver {
public:
    std::vector<std::string> lines;
    ExperimentPlanCounts counts;

    void planned(const ExperimentPlanCounts& c) override { counts = c; }
    void stopping(std::size_t running) override { lines.push_back("stopping " + std::to_string(running)); }
    void launched(const RunProgress& run, Launch launch) override
    {
        lines.push_back(std::string(launch == Launch::Start ? "start " : "resume ") + id(run));
    }
    void skipped(const RunProgress& run, const std::string& why) override { lines.push_back("skipped " + id(run) + " " + why); }
    void ended(const RunProgress& run, const RunRecord& record, double) override
    {
        lines.push_back("ended " + id(run) + " T_grok " + std::to_string(record.tGrok.value_or(-1)));
    }
    void stopped(const RunProgress& run, long step) override { lines.push_back("stopped " + id(run)); }
    void failedToEnd(const RunProgress& run, const std::string& how, const fs::path&) override
    {
        lines.push_back("error " + id(run) + " " + how);
    }

private:
    static std::string id(const RunProgress& run)
    {
        return run.arm + " " + std::to_string(run.seed) + " [" + std::to_string(run.ended) + "/"
               + std::to_string(run.total) + "]";
    }
};

}  // namespace

class TestExperimentRunner : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void runnerFollowsReferencesAndReportsFailures();
    void runnerStopsOnRequest();
    void launchArgumentsAreTheCliCommands();
};

void TestExperimentRunner::runnerFollowsReferencesAndReportsFailures()
{
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    const auto spec = parseSpec(nlohmann::json::parse(R"({"name": "e", "preset": "z23-quick", "seeds": [0, 1],
        "arms": [{"name": "matched", "norm_reference_arm": "base", "overrides": {"intervention.mixing": true}},
                 {"name": "base"}]})"),
                                "e.json");
    RecordingObserver observer;
    RunnerOptions options;
    options.jobs = 1;
    // base seed 1's child exits with code 3: matched seed 1, which follows its ‖θ‖, is skipped.
    struct SeedAwareScheduler : FakeScheduler {
        JobId submit(const PlannedRun& run, Launch launch) override
        {
            fateOfArm["base"] = run.seed == 1 ? Fate::ExitCode3 : Fate::Finish;
            return FakeScheduler::submit(run, launch);
        }
    } seedAware;
    const ExperimentResult result = runExperiment(spec, root, options, seedAware, observer);

    QCOMPARE(result.outcome, ExperimentOutcome::Incomplete);
    QCOMPARE(result.ended, std::size_t(2));
    QCOMPARE(result.total, std::size_t(4));
    QCOMPARE(seedAware.mostRunning, std::size_t(1));  // --jobs 1
    // Runs start longest critical path first (experiment/launch_plan.h): both base runs,
    // which the matched runs wait for, before either matched run, although the spec
    // lists matched first; a referencing run waits for its reference.
    const std::vector<std::string> expected = {
        "start base 0 [0/4]",
        "ended base 0 [1/4] T_grok 1000",
        "start base 1 [1/4]",
        "error base 1 [1/4] exit code 3",
        "start matched 0 [1/4]",
        "ended matched 0 [2/4] T_grok 1000",
        "skipped matched 1 [2/4] its norm reference (base seed 1) did not finish",
    };
    QCOMPARE(observer.lines, expected);
    // The invocation's wall time is recorded, for grokscope-bench --experiment --dir.
    const std::optional<double> wall = cumulativeSeconds(root / "experiment_time.json");
    QVERIFY(wall && *wall >= 0.0 && *wall < 60.0);
    QCOMPARE(addToCumulativeSeconds(root / "experiment_time.json", 100.0), *wall + 100.0);
    QCOMPARE(observer.counts.total, std::size_t(4));
    QCOMPARE(observer.counts.toStart, std::size_t(4));
    QCOMPARE(observer.counts.ended, std::size_t(0));
    // The matched run was given its reference's directory.
    const TrainConfig matched = loadConfigFile(TrainConfig{}, (root / "matched" / "seed_0.config.json").string());
    QCOMPARE(matched.intervention.normReferenceRun, (fs::absolute(root) / "base" / "seed_0").lexically_normal().string());
    QCOMPARE(matched.name, std::string("e-matched"));
    QCOMPARE(matched.run.threads, 1);
    const std::string runsCsvText = readText(root / "runs.csv");
    QVERIFY2(runsCsvText.find("base,1,0,,,,,,,0,0.000,missing,grokscope-cli exit code 3\n") != std::string::npos,
             runsCsvText.c_str());
    QVERIFY(runsCsvText.find("matched,1,0,,,,,,,0,0.000,skipped,its norm reference (base seed 1) did not finish\n")
            != std::string::npos);
    QCOMPARE(readJsonFile((root / "spec.json").string()), spec.source);

    // Rerun: what ended is kept; the rest starts again and now finishes.
    FakeScheduler again;
    RecordingObserver second;
    options.jobs = 2;
    const ExperimentResult rerun = runExperiment(spec, root, options, again, second);
    QCOMPARE(rerun.outcome, ExperimentOutcome::Completed);
    QCOMPARE(rerun.ended, std::size_t(4));
    QCOMPARE(second.counts.ended, std::size_t(2));
    QCOMPARE(second.counts.toStart, std::size_t(2));
    QCOMPARE(again.submitted, (std::vector<std::string>{"base/seed_1 start", "matched/seed_1 start"}));
}

void TestExperimentRunner::runnerStopsOnRequest()
{
    QTemporaryDir dir;
    const fs::path root = dir.path().toStdString();
    const auto spec = parseSpec(
        nlohmann::json::parse(R"({"name": "s", "preset": "z23-quick", "seeds": [0, 1, 2], "arms": [{"name": "a"}]})"),
        "s.json");
    FakeScheduler scheduler;
    scheduler.fateOfArm["a"] = FakeScheduler::Fate::RunUntilCancelled;
    RecordingObserver observer;
    RunnerOptions options;
    options.jobs = 2;
    options.stopRequested = [&] { return scheduler.submitted.size() == 2; };  // stop once two run
    const ExperimentResult result = runExperiment(spec, root, options, scheduler, observer);
    QCOMPARE(result.outcome, ExperimentOutcome::Interrupted);
    QCOMPARE(result.ended, std::size_t(0));
    QCOMPARE(scheduler.cancels, std::size_t(2));
    const std::vector<std::string> expected = {"start a 0 [0/3]", "start a 1 [0/3]", "stopping 2", "stopped a 0 [0/3]",
                                               "stopped a 1 [0/3]"};
    QCOMPARE(observer.lines, expected);
    QVERIFY(fs::exists(root / "summary.md"));  // written when interrupted too
}

void TestExperimentRunner::launchArgumentsAreTheCliCommands()
{
    PlannedRun run;
    run.directory = "/x/a/seed_1";
    run.configFile = "/x/a/seed_1.config.json";
    QCOMPARE(launchArguments(run, Launch::Start),
             (std::vector<std::string>{"run", "--config", "/x/a/seed_1.config.json", "--out", "/x/a/seed_1", "--quiet"}));
    QCOMPARE(launchArguments(run, Launch::Resume), (std::vector<std::string>{"resume", "--quiet", "--", "/x/a/seed_1"}));
    JobEnd stopped{true, 130, 0}, failed{true, 3, 0}, killed{false, 0, 9}, interrupted{false, 0, SIGINT};
    QVERIFY(stopped.stoppedCleanly() && interrupted.stoppedCleanly());
    QVERIFY(!failed.stoppedCleanly() && !killed.stoppedCleanly());
    QCOMPARE(failed.describe(), std::string("exit code 3"));
    QCOMPARE(killed.describe(), std::string("killed by signal 9"));
}

QTEST_GUILESS_MAIN(TestExperimentRunner)
#include "tst_experiment_runner.moc"
