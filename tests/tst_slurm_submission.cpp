// The Slurm backend's submissions in-process, with a fake cluster: the batch script
// and sbatch's argv hold no user text (an arm name and a DIR full of shell syntax),
// every option reaches sbatch as one validated argument, the spec's "slurm" object is
// checked, a norm-matched arm waits for its reference only when that is still to run,
// and a rerun resubmits exactly what needs it.

#include "experiment_directory.h"
#include "io/config_json.h"
#include "io/run_log_writer.h"
#include "known_run_log.h"
#include "slurm_backend.h"
#include "slurm_fake_client.h"
#include "test_files.h"

#include <QtTest>
#include <QTemporaryDir>

#include <algorithm>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <filesystem>
#include <sstream>

using namespace grokscope;
using namespace grokscope::experiment;
namespace fs = std::filesystem;

namespace {

const std::string kNastyName = "x; touch PWNED $(id) 'q\"";

// Two arms × two seeds of z23-quick, the second following the first's ‖θ‖ (built by
// hand: parseSpec refuses such an arm name, and the backend must not rely on that).
ExperimentSpec nastySpec()
{
    ExperimentSpec spec;
    spec.name = "inject";
    spec.preset = "z23-quick";
    spec.seeds = {0, 1};
    ArmSpec base;
    base.name = "base";
    ArmSpec nasty;
    nasty.name = kNastyName;
    nasty.normReferenceArm = "base";
    spec.arms = {base, nasty};
    spec.source = {{"name", "inject"}, {"arms", {kNastyName}}};
    spec.origin = "inject.json";
    return spec;
}

ExperimentSpec plainSpec(const std::vector<unsigned long long>& seeds = {0, 1, 2})
{
    const nlohmann::json document = {{"name", "plain"},
                                     {"preset", "z23-quick"},
                                     {"seeds", seeds},
                                     {"arms", {{{"name", "baseline"}}, {{"name", "matched"}, {"norm_reference_arm", "baseline"}}}}};
    return parseSpec(document, "plain.json");
}

SlurmSubmitOptions submitOptions()
{
    SlurmSubmitOptions options;
    options.executable = "/opt/grokscope/bin/grokscope-cli";
    return options;
}

void ignoreMoves(const fs::path&, const fs::path&, const std::string&) {}

std::string argOf(const std::vector<std::string>& argv, const std::string& prefix)
{
    for (const std::string& a : argv)
        if (a.rfind(prefix, 0) == 0)
            return a.substr(prefix.size());
    return "(absent)";
}

}  // namespace

class TestSlurmSubmission : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void scriptIsFixedTextAndTheArmIndex()
    {
        const std::string script = batchScriptText(3);
        QVERIFY(script.rfind("#!/bin/sh\n", 0) == 0);
        QVERIFY(script.find("\nexec \"$1\" experiment-task -- \"$2\" 3 \"$SLURM_ARRAY_TASK_ID\"\n") != std::string::npos);
        // Apart from the index, the script of every arm is the same text.
        std::string other = batchScriptText(7);
        std::replace(other.begin(), other.end(), '7', '3');
        QCOMPARE(QString::fromStdString(other), QString::fromStdString(script));
        // Outside comments, the only expansions are the two arguments and the task id.
        std::size_t dollars = 0;
        std::istringstream lines(script);
        for (std::string line; std::getline(lines, line);)
            if (line.rfind('#', 0) != 0)
                dollars += static_cast<std::size_t>(std::count(line.begin(), line.end(), '$'));
        QCOMPARE(dollars, std::size_t(3));
    }

    void armNamesAndPathsNeverReachAShell()
    {
        QTemporaryDir temporary;
        const fs::path directory = fs::path(temporary.path().toStdString()) / "d ir;$(id)'q\"%x";
        FakeSlurmClient client;
        const SlurmSubmitResult result = submitExperiment(nastySpec(), directory, submitOptions(), client, ignoreMoves);
        QCOMPARE(result.submitted, std::size_t(4));
        QCOMPARE(client.submitted.size(), std::size_t(2));
        for (const std::vector<std::string>& argv : client.submitted) {
            for (const std::string& a : argv)
                QVERIFY2(a.find("PWNED") == std::string::npos && a.find("touch") == std::string::npos, a.c_str());
            // DIR only as whole arguments: the script's two, --chdir, --output, the script's path.
            QCOMPARE(argv.back(), directory.string());
            QCOMPARE(argv[argv.size() - 2], std::string("/opt/grokscope/bin/grokscope-cli"));
            QCOMPARE(argOf(argv, "--chdir="), directory.string());
            QCOMPARE(argOf(argv, "--output="), (temporary.path().toStdString() + "/d ir;$(id)'q\"%%x/slurm/logs/%A_%a.out"));
        }
        for (std::size_t arm : {0, 1}) {
            const std::string script = readText(directory / "slurm" / (std::to_string(arm) + ".sbatch"));
            QVERIFY(script.find("PWNED") == std::string::npos);
            QVERIFY(script.find(directory.string()) == std::string::npos);
            QVERIFY(script.find(temporary.path().toStdString()) == std::string::npos);
            QCOMPARE(script, batchScriptText(arm));
        }
        // The runs' own directory carries the name, as a local run's would.
        QVERIFY(fs::is_regular_file(directory / kNastyName / "seed_1.config.json"));
        QCOMPARE(argOf(client.submitted[1], "--dependency="), std::string("aftercorr:100"));
    }

    void everyOptionIsOneArgument()
    {
        SlurmOptions options;
        options.partition = "cpu";
        options.time = "1-02:00:00";
        options.cpusPerTask = 2;
        options.mem = "2G";
        options.maxRunning = 8;
        options.account = "proj_1";
        options.qos = "long";
        options.sbatchArgs = {"--exclusive", "--constraint=avx2"};
        ArraySubmission submission;
        submission.arm = 2;
        submission.tasks = {5, 0, 1, 2, 7, 8};
        submission.dependsOnArray = "41";
        submission.executable = "/bin/gs";
        submission.experimentDirectory = "/shared/exp";
        const std::vector<std::string> expected = {
            "sbatch", "--parsable", "--job-name=grokscope-arm2", "--array=0-2,5,7-8%8",
            "--output=/shared/exp/slurm/logs/%A_%a.out", "--chdir=/shared/exp", "--ntasks=1", "--cpus-per-task=2",
            "--time=1-02:00:00", "--mem=2G", "--partition=cpu", "--account=proj_1", "--qos=long",
            "--dependency=aftercorr:41", "--kill-on-invalid-dep=yes", "--exclusive", "--constraint=avx2",
            "/shared/exp/slurm/2.sbatch", "/bin/gs", "/shared/exp"};
        QCOMPARE(sbatchArguments(options, submission), expected);
        // Defaults: one CPU, nothing else the cluster would decide.
        const std::vector<std::string> plain = {"sbatch", "--parsable", "--job-name=grokscope-arm0", "--array=3",
                                                "--output=/e/slurm/logs/%A_%a.out", "--chdir=/e", "--ntasks=1",
                                                "--cpus-per-task=1", "/e/slurm/0.sbatch", "/bin/gs", "/e"};
        QCOMPARE(sbatchArguments(SlurmOptions{}, {0, {3}, "", "/bin/gs", "/e"}), plain);
    }

    void theSpecsSlurmObjectIsChecked()
    {
        nlohmann::json document = {{"preset", "z23-quick"}, {"seeds", {0u}}, {"arms", {{{"name", "a"}}}}};
        document["slurm"] = {{"partition", "gpu-a"}, {"time", "0:30:00"}, {"cpus_per_task", 4}, {"mem", "500M"},
                             {"max_running", 3}, {"account", "acct"}, {"qos", "normal"}, {"sbatch_args", {"--exclusive"}}};
        const ExperimentSpec spec = parseSpec(document, "s.json");
        QVERIFY(spec.slurm);
        QCOMPARE(spec.slurm->partition, std::string("gpu-a"));
        QCOMPARE(spec.slurm->time, std::string("0:30:00"));
        QCOMPARE(spec.slurm->cpusPerTask, 4);
        QCOMPARE(spec.slurm->mem, std::string("500M"));
        QCOMPARE(*spec.slurm->maxRunning, 3);
        QCOMPARE(spec.slurm->sbatchArgs, std::vector<std::string>{"--exclusive"});
        const std::vector<std::pair<nlohmann::json, std::string>> bad = {
            {{{"partitoin", "x"}}, "s.json: slurm.partitoin: unknown key"},
            {{{"time", "30 min"}}, "s.json: slurm.time: expected a time limit"},
            {{{"mem", "2 GB"}}, "s.json: slurm.mem: expected a size"},
            {{{"partition", "a;rm -rf ~"}}, "s.json: slurm.partition: expected a name"},
            {{{"cpus_per_task", 0}}, "s.json: slurm.cpus_per_task: expected 1 to 1024"},
            {{{"max_running", "8"}}, "s.json: slurm.max_running: expected an integer"},
            {{{"sbatch_args", "--exclusive"}}, "s.json: slurm.sbatch_args: expected a list of strings"},
            // A bare word would end sbatch's options and become the batch script; the
            // backend's own options would change which tasks run, where, and when.
            {{{"sbatch_args", {"/shared/other.sh"}}}, "s.json: slurm.sbatch_args: expected one sbatch option"},
            {{{"sbatch_args", {"-N2"}}}, "s.json: slurm.sbatch_args: expected one sbatch option"},
            {{{"sbatch_args", {"--dependency=afterok:1"}}}, "s.json: slurm.sbatch_args: --dependency is set by the Slurm backend"},
            {{{"sbatch_args", {"--array=0-9"}}}, "s.json: slurm.sbatch_args: --array is set by the Slurm backend"},
            {{{"sbatch_args", {"--output=/elsewhere/%j"}}}, "s.json: slurm.sbatch_args: --output is set by the Slurm backend"},
            {{{"sbatch_args", {"--chdir"}}}, "s.json: slurm.sbatch_args: --chdir is set by the Slurm backend"},
            {nlohmann::json::array(), "s.json: slurm: expected an object"},
        };
        for (const auto& [slurm, message] : bad) {
            document["slurm"] = slurm;
            try {
                parseSpec(document, "s.json");
                QFAIL(("accepted " + slurm.dump()).c_str());
            } catch (const ConfigError& error) {
                QVERIFY2(std::string(error.what()).rfind(message, 0) == 0, error.what());
            }
        }
    }

    void aChangedSlurmObjectIsTheSameExperiment()
    {
        QTemporaryDir temporary;
        const fs::path directory = temporary.path().toStdString();
        nlohmann::json document = {{"preset", "z23-quick"}, {"seeds", {0u}}, {"arms", {{{"name", "a"}}}}};
        prepareDirectory(parseSpec(document, "s.json"), directory);
        document["slurm"] = {{"time", "2:00:00"}};
        prepareDirectory(parseSpec(document, "s.json"), directory);  // no throw
        document["seeds"] = {1u};
        QVERIFY_EXCEPTION_THROWN(prepareDirectory(parseSpec(document, "s.json"), directory), ConfigError);
    }

    void dependencyFollowsWhereTheReferenceIs()
    {
        const ExperimentSpec spec = plainSpec();
        const std::vector<PlannedRun> runs = planRuns(spec, "/e");
        // Reference seeds: 0 submitted now (stopped), 1 queued in array 55, 2 finished.
        std::vector<ExperimentRunStatus> statuses(runs.size());
        statuses[0].state = RunState::Stopped;
        statuses[1].state = RunState::Pending;
        statuses[1].job = "55_1";
        statuses[2].state = RunState::Finished;
        for (std::size_t i = 3; i < 6; ++i)
            statuses[i].state = RunState::NotSubmitted;
        const std::vector<SubmitAction> actions = chooseActions(runs, statuses, false);
        QCOMPARE(actions, (std::vector<SubmitAction>{SubmitAction::Submit, SubmitAction::InQueue, SubmitAction::Keep,
                                                      SubmitAction::Submit, SubmitAction::Submit, SubmitAction::Submit}));
        QCOMPARE(chooseDependency(runs, statuses, actions, 3).kind, Dependency::OnThisSubmission);
        const Dependency queued = chooseDependency(runs, statuses, actions, 4);
        QCOMPARE(queued.kind, Dependency::OnQueued);
        QCOMPARE(queued.array, std::string("55"));
        QCOMPARE(chooseDependency(runs, statuses, actions, 5).kind, Dependency::None);
        QCOMPARE(chooseDependency(runs, statuses, actions, 0).kind, Dependency::None);  // no reference
    }

    void aFailedReferenceBlocksItsFollowerUnlessRetried()
    {
        const ExperimentSpec spec = plainSpec({0});
        const std::vector<PlannedRun> runs = planRuns(spec, "/e");
        std::vector<ExperimentRunStatus> statuses(2);
        statuses[0].state = RunState::Failed;
        statuses[1].state = RunState::Cancelled;
        QCOMPARE(chooseActions(runs, statuses, false),
                 (std::vector<SubmitAction>{SubmitAction::Keep, SubmitAction::Blocked}));
        QCOMPARE(chooseActions(runs, statuses, true),
                 (std::vector<SubmitAction>{SubmitAction::Submit, SubmitAction::Submit}));
    }

    void rerunSubmitsOnlyWhatNeedsIt()
    {
        QTemporaryDir temporary;
        const fs::path directory = temporary.path().toStdString();
        const ExperimentSpec spec = plainSpec();
        const std::vector<PlannedRun> runs = planRuns(spec, directory);
        FakeSlurmClient client;
        client.nextJob = 7;
        submitExperiment(spec, directory, submitOptions(), client, ignoreMoves);
        QCOMPARE(client.submitted.size(), std::size_t(2));  // one array per arm
        QCOMPARE(argOf(client.submitted[0], "--array="), std::string("0-2"));
        QCOMPARE(argOf(client.submitted[1], "--dependency="), std::string("aftercorr:7"));

        // Since: baseline seed 0 finished, seed 1 still running in array 7, seed 2
        // cancelled while pending (no trace); matched seed 0 failed (exit file 3, in
        // array 8), seeds 1 and 2 still pending in array 8.
        writeFinishedRun(runs[0].directory, "z23-quick", 0, 1000);
        client.tasks = {queueTask("7", 1, "RUNNING"), queueTask("8", 1, "PENDING"), queueTask("8", 2, "PENDING")};
        writeTaskExit(SlurmLayout(directory).exitFile(1, 0), {3, "8_0"});
        RunLogWriter::writeConfig(runs[3].directory.string(), runs[3].config);
        RunLogWriter(runs[3].directory.string(), {"all"}).onEvent({50, "failed", "boom", {}, {}});

        client.submitted.clear();
        SlurmSubmitResult rerun = submitExperiment(spec, directory, submitOptions(), client, ignoreMoves);
        QCOMPARE(rerun.kept, std::size_t(2));
        QCOMPARE(rerun.inQueue, std::size_t(3));
        QCOMPARE(rerun.submitted, std::size_t(1));
        QCOMPARE(client.submitted.size(), std::size_t(1));
        QCOMPARE(argOf(client.submitted[0], "--array="), std::string("2"));
        QCOMPARE(argOf(client.submitted[0], "--dependency="), std::string("(absent)"));

        // --retry-failed: the failed run is moved aside and resubmitted, after nothing
        // (its reference finished).
        client.submitted.clear();
        client.tasks.push_back(queueTask("9", 2, "PENDING"));
        SlurmSubmitOptions retry = submitOptions();
        retry.retryFailed = true;
        std::vector<std::string> moved;
        rerun = submitExperiment(spec, directory, retry, client,
                                 [&](const fs::path& from, const fs::path&, const std::string&) { moved.push_back(from.string()); });
        QCOMPARE(moved, std::vector<std::string>{runs[3].directory.string()});
        QCOMPARE(rerun.submitted, std::size_t(1));
        QCOMPARE(argOf(client.submitted[0], "--job-name="), std::string("grokscope-arm1"));
        QCOMPARE(argOf(client.submitted[0], "--array="), std::string("0"));
        QCOMPARE(argOf(client.submitted[0], "--dependency="), std::string("(absent)"));
        QVERIFY(!fs::exists(SlurmLayout(directory).exitFile(1, 0)));  // the old task's

        const std::vector<SubmissionRecord> records = readSubmissions(SlurmLayout(directory).submissions);
        QCOMPARE(records.size(), std::size_t(4));
        QCOMPARE(records[1].dependency, std::string("aftercorr:7"));
        QCOMPARE(records[3].job, std::string("10"));
        QCOMPARE(records[3].tasks, std::vector<std::size_t>{0});
    }

    void theSummaryKnowsWhatTheLocalRunnerWould()
    {
        // baseline seed 0's task failed before its run wrote anything (exit file 1), so
        // matched seed 0 never ran: as the local runner records them.
        QTemporaryDir temporary;
        const fs::path directory = temporary.path().toStdString();
        const ExperimentSpec spec = plainSpec({0});
        const std::vector<PlannedRun> runs = planRuns(spec, directory);
        fs::create_directories(SlurmLayout(directory).exits);
        writeTaskExit(SlurmLayout(directory).exitFile(0, 0), {1, "4_0"});
        std::vector<RunRecord> records = slurmSummaryRecords(spec, runs, directory);
        QCOMPARE(records[0].status, RunStatus::Missing);
        QCOMPARE(records[0].detail, std::string("grokscope-cli exit code 1"));
        QCOMPARE(records[1].status, RunStatus::Skipped);
        QCOMPARE(records[1].detail, std::string("its norm reference (baseline seed 0) did not finish"));
        // Stopped (130) is not an error: the follower is just not run yet.
        writeTaskExit(SlurmLayout(directory).exitFile(0, 0), {130, "4_0"});
        records = slurmSummaryRecords(spec, runs, directory);
        QCOMPARE(records[0].detail, std::string());
        QCOMPARE(records[1].status, RunStatus::Missing);
    }

    void oneSubmitterAtATime()
    {
        QTemporaryDir temporary;
        const fs::path directory = temporary.path().toStdString();
        fs::create_directories(directory / "slurm");
        const int held = open((directory / "slurm" / "submit.lock").c_str(), O_RDWR | O_CREAT, 0644);
        QVERIFY(held >= 0 && flock(held, LOCK_EX) == 0);
        FakeSlurmClient client;
        QVERIFY_EXCEPTION_THROWN(submitExperiment(plainSpec(), directory, submitOptions(), client, ignoreMoves),
                                 ConfigError);
        QVERIFY(client.submitted.empty());
        close(held);
        submitExperiment(plainSpec(), directory, submitOptions(), client, ignoreMoves);
        QCOMPARE(client.submitted.size(), std::size_t(2));
    }

    void arrayListsAndOutputPatterns()
    {
        QCOMPARE(arrayIndexList({}), std::string());
        QCOMPARE(arrayIndexList({4}), std::string("4"));
        QCOMPARE(arrayIndexList({3, 1, 2, 2, 9, 10, 0}), std::string("0-3,9-10"));
        QCOMPARE(escapeOutputPattern("/a%b%%c"), std::string("/a%%b%%%%c"));
    }
};

QTEST_GUILESS_MAIN(TestSlurmSubmission)
#include "tst_slurm_submission.moc"
