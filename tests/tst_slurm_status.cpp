// Where each run of an experiment stands, in-process: squeue's and sbatch's output as
// a real Slurm 22.05 printed it (captured on the loopback cluster of
// docs/design/slurm-test-cluster.md), the rules that combine run log, queue and exit
// file into one state, and the status of a whole directory with a fake queue.

#include "experiment_status.h"
#include "io/run_log_writer.h"
#include "known_run_log.h"
#include "slurm_fake_client.h"

#include <QtTest>
#include <QTemporaryDir>

#include <filesystem>

using namespace grokscope;
using namespace grokscope::experiment;
namespace fs = std::filesystem;

namespace {

// squeue --noheader --array --states=all --jobs=21,22 --Format=ArrayJobID:|,ArrayTaskID:|,State:|,Reason:|,exit_code:|
// two seconds after submitting a 4-task array limited to 1 at a time (21) and one
// that follows it with aftercorr (22) ...
const char* kLive = "21|1|PENDING|JobArrayTaskLimit|0|\n"
                    "21|2|PENDING|JobArrayTaskLimit|0|\n"
                    "21|3|PENDING|JobArrayTaskLimit|0|\n"
                    "22|3|PENDING|Dependency|0|\n"
                    "22|2|PENDING|Dependency|0|\n"
                    "22|1|PENDING|Dependency|0|\n"
                    "22|0|PENDING|Dependency|0|\n"
                    "21|0|RUNNING|None|0|\n";
// ... and when both had ended: 21_1 exited with 42, so 22_1 never ran; 22_3 was
// cancelled with scancel while pending.
const char* kEnded = "22|1|CANCELLED|DependencyNeverSatisfied|0|\n"
                     "22|3|CANCELLED|Dependency|0|\n"
                     "21|3|COMPLETED|None|0|\n"
                     "21|2|COMPLETED|None|0|\n"
                     "21|0|COMPLETED|None|0|\n"
                     "22|2|COMPLETED|None|0|\n"
                     "22|0|COMPLETED|None|0|\n"
                     "21|1|FAILED|NonZeroExitCode|10752|\n";
// A grokscope run cancelled while running: it checkpointed and exited with 130.
const char* kCancelledRun = "13|1|CANCELLED|JobArrayTaskLimit|0|\n"
                            "13|0|CANCELLED|None|33280|\n";

const QueueTask* find(const std::vector<QueueTask>& tasks, const std::string& array, std::size_t task)
{
    for (const QueueTask& t : tasks)
        if (t.arrayJob == array && t.task == task)
            return &t;
    return nullptr;
}

ExperimentRunStatus classify(const RunEvidence& evidence)
{
    ExperimentRunStatus status;
    classifyRun(evidence, status);
    return status;
}

RunRecord record(RunStatus status, long step = 0, std::optional<long> tGrok = std::nullopt)
{
    RunRecord r;
    r.status = status;
    r.finalStep = step;
    r.tGrok = tGrok;
    if (status == RunStatus::Failed)
        r.detail = "loss is NaN";
    return r;
}

}  // namespace

class TestSlurmStatus : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void parsesSqueueWhileQueued()
    {
        const std::vector<QueueTask> tasks = parseQueue(kLive);
        QCOMPARE(tasks.size(), std::size_t(8));
        QCOMPARE(find(tasks, "21", 0)->kind, QueueState::Running);
        QCOMPARE(find(tasks, "21", 3)->kind, QueueState::Pending);
        QCOMPARE(find(tasks, "22", 2)->reason, std::string("Dependency"));
        QVERIFY(!find(tasks, "21", 0)->exitCode);  // not ended: no exit code yet
    }

    void parsesSqueueWhenEnded()
    {
        const std::vector<QueueTask> tasks = parseQueue(kEnded);
        QCOMPARE(tasks.size(), std::size_t(8));
        QCOMPARE(find(tasks, "21", 1)->state, std::string("FAILED"));
        QCOMPARE(*find(tasks, "21", 1)->exitCode, 42);  // wait status 10752
        QCOMPARE(*find(tasks, "22", 0)->exitCode, 0);
        QCOMPARE(find(tasks, "22", 1)->kind, QueueState::Ended);
        QCOMPARE(find(tasks, "22", 1)->reason, std::string("DependencyNeverSatisfied"));
        QCOMPARE(*find(parseQueue(kCancelledRun), "13", 0)->exitCode, 130);
    }

    void parsesRangesAndSkipsNoise()
    {
        // A pending array not split into tasks yet, padded columns, and lines that are
        // not squeue's (an error message, a blank line).
        const std::vector<QueueTask> tasks =
            parseQueue("slurm_load_jobs error: Invalid job id specified\n\n 30 |0-2,5%2|PENDING |JobArrayTaskLimit|0|\n");
        QCOMPARE(tasks.size(), std::size_t(4));
        QCOMPARE(tasks[3].task, std::size_t(5));
        QCOMPARE(tasks[0].arrayJob, std::string("30"));
        QCOMPARE(tasks[0].kind, QueueState::Pending);
    }

    void parsesSbatch()
    {
        QCOMPARE(*parseSubmittedJob("9\n"), std::string("9"));
        QCOMPARE(*parseSubmittedJob("1234;cluster-a\n"), std::string("1234"));
        QVERIFY(!parseSubmittedJob("sbatch: error: invalid partition specified: x\n"));
        QVERIFY(!parseSubmittedJob(""));
        QCOMPARE(squeueArguments({"7", "9"}),
                 (std::vector<std::string>{"squeue", "--all", "--noheader", "--array", "--states=all", "--jobs=7,9",
                                           "--Format=ArrayJobID:|,ArrayTaskID:|,State:|,Reason:|,exit_code:|"}));
    }

    void theLogDecidesFirst()
    {
        RunEvidence e;
        e.job = "7_0";
        e.queued = queueTask("7", 0, "RUNNING");  // still completing in Slurm
        e.record = record(RunStatus::Finished, 1200, 900);
        QCOMPARE(describeRunState(classify(e)), std::string("grokked at 900"));
        e.record = record(RunStatus::Finished, 1200);
        QCOMPARE(describeRunState(classify(e)), std::string("finished"));
        e.record = record(RunStatus::Failed, 300);
        e.exit = TaskExit{3, "7_0"};
        QCOMPARE(describeRunState(classify(e)), std::string("failed with exit code 3"));
    }

    void theQueueThenTheExitFile()
    {
        RunEvidence e;
        e.job = "7_2";
        e.queued = queueTask("7", 2, "PENDING");
        QCOMPARE(describeRunState(classify(e)), std::string("pending"));
        // A resubmitted run that left a checkpoint before: pending again, not stopped.
        e.record = record(RunStatus::Resumable, 400);
        QCOMPARE(describeRunState(classify(e)), std::string("pending"));
        e.queued = queueTask("7", 2, "RUNNING");
        QCOMPARE(describeRunState(classify(e)), std::string("running at step 400"));
        // Ended: the exit file says how.
        e.queued = queueTask("7", 2, "CANCELLED");
        e.exit = TaskExit{130, "7_2"};
        QCOMPARE(describeRunState(classify(e)), std::string("stopped at step 400"));
        e.exit = TaskExit{2, "7_2"};
        QCOMPARE(describeRunState(classify(e)), std::string("failed with exit code 2"));
        // An exit file of an older submission does not count.
        e.exit = TaskExit{2, "5_2"};
        QCOMPARE(describeRunState(classify(e)), std::string("stopped at step 400"));
        e.record = record(RunStatus::Missing);
        QCOMPARE(describeRunState(classify(e)), std::string("cancelled"));
    }

    void whatSlurmAloneSays()
    {
        RunEvidence e;
        e.job = "7_1";
        // The task never ran (e.g. --output's directory missing): Slurm's exit code.
        e.queued = parseQueue("7|1|FAILED|JobLaunchFailure|256|\n").front();
        QCOMPARE(describeRunState(classify(e)), std::string("failed with exit code 1"));
        // Cancelled while pending: no trace at all.
        e.queued.reset();
        QCOMPARE(describeRunState(classify(e)), std::string("cancelled"));
        // Killed past its time limit after a checkpoint, without writing its exit file.
        e.queued = queueTask("7", 1, "TIMEOUT");
        e.record = record(RunStatus::Resumable, 2500);
        QCOMPARE(describeRunState(classify(e)), std::string("stopped at step 2500"));
        QVERIFY(classify(e).resumable);
    }

    void localRunsFromTheirLogsOnly()
    {
        RunEvidence e;
        QCOMPARE(describeRunState(classify(e)), std::string("not submitted"));
        e.record = record(RunStatus::Resumable, 700);
        e.recentlyWritten = true;
        QCOMPARE(describeRunState(classify(e)), std::string("running at step 700"));
        e.stoppedEvent = true;
        QCOMPARE(describeRunState(classify(e)), std::string("stopped at step 700"));
        e.stoppedEvent = false;
        e.recentlyWritten = false;
        QCOMPARE(describeRunState(classify(e)), std::string("stopped at step 700"));
        e.record = record(RunStatus::Failed, 80);
        QCOMPARE(describeRunState(classify(e)), std::string("failed (loss is NaN)"));
    }

    void aWholeDirectory()
    {
        QTemporaryDir temporary;
        const fs::path directory = temporary.path().toStdString();
        const nlohmann::json document = {{"name", "d"}, {"preset", "z23-quick"}, {"seeds", {4u, 9u}},
                                         {"arms", {{{"name", "a"}}, {{"name", "b"}}}}};
        const ExperimentSpec spec = parseSpec(document, "d.json");
        const std::vector<PlannedRun> runs = planRuns(spec, directory);
        const SlurmLayout layout(directory);
        fs::create_directories(layout.exits);
        // a: both submitted in array 3 (seed 4 grokked, seed 9 running at step 300);
        // b: seed 4 resubmitted in array 6 and pending, seed 9 never submitted.
        appendSubmission(layout.submissions, {0, "3", {0, 1}, "", "", {}});
        appendSubmission(layout.submissions, {1, "5", {0}, "", "", {}});
        appendSubmission(layout.submissions, {1, "6", {0}, "", "", {}});
        writeFinishedRun(runs[0].directory, "z23-quick", 4, 800);
        writeTaskExit(layout.exitFile(0, 0), {0, "3_0"});
        writeFinishedRun(runs[1].directory, "z23-quick", 9, 100);
        fs::remove(runs[1].directory / "events.jsonl");  // no end event yet
        RunLogWriter(runs[1].directory.string(), {"all"});
        writeTaskExit(layout.exitFile(1, 0), {130, "5_0"});
        FakeSlurmClient client;
        client.tasks = {queueTask("3", 1, "RUNNING"), queueTask("6", 0, "PENDING"), queueTask("5", 0, "CANCELLED")};
        const std::vector<ExperimentRunStatus> statuses = experimentStatus(spec, runs, directory, &client);
        std::vector<std::string> lines;
        for (const ExperimentRunStatus& s : statuses)
            lines.push_back(s.arm + " seed " + std::to_string(s.seed) + " [" + std::to_string(s.seedIndex) + "] "
                            + describeRunState(s) + " " + s.job);
        QCOMPARE(lines, (std::vector<std::string>{"a seed 4 [0] grokked at 800 3_0", "a seed 9 [1] running at step 300 3_1",
                                                   "b seed 4 [0] pending 6_0", "b seed 9 [1] not submitted "}));
        QCOMPARE(countLine({statuses[0], statuses[1]}), std::string("2 runs: 1 finished, 1 running"));
        QCOMPARE(countLine({statuses[2], statuses[3]}), std::string("2 runs: 1 pending, 1 not submitted"));
        // Without the queue (no Slurm here), the running task cannot be told from one
        // that was cancelled.
        QCOMPARE(describeRunState(experimentStatus(spec, runs, directory, nullptr)[2]), std::string("cancelled"));
    }
};

QTEST_GUILESS_MAIN(TestSlurmStatus)
#include "tst_slurm_status.moc"
