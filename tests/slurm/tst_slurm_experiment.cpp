// grokscope-cli experiment --backend slurm against a real Slurm (slurm_cluster.h starts
// a private one-node cluster; tst_slurm_cluster tests that fixture on its own). Driven
// through the built CLI as a user would, with the cluster's SLURM_CONF:
// - the same spec through both backends gives byte-identical summaries, wall times aside;
// - an arm with norm_reference_arm starts each task only after its reference ended;
// - a run that fails at run time shows as failed with its exit code;
// - scancel of a running task leaves a readable, stopped log, and rerunning the command
//   resumes it from its checkpoint to the end;
// - user text (experiment name, DIR, arm names) reaches no shell;
// - experiment-cancel cancels what is queued.
// It prints, with qInfo, the overheads README's "Running on a cluster" quotes (command to
// first task running; the same experiments' wall time through both backends).
//
// Needs slurmctld, slurmd and slurm-client (scripts/setup.sh installs them); without
// them the test fails. GROKSCOPE_SKIP_SLURM_TESTS=1 skips it instead.

#include "slurm_cluster.h"
#include "slurm_experiment_files.h"

#include "io/run_log.h"

#include <QtTest>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QRegularExpression>

#include <filesystem>

using namespace grokscope;
namespace fs = std::filesystem;

namespace {

struct CliRun {
    int exitCode = -1;  // -1: crashed or killed after its time limit
    QString output;     // stdout and stderr together
    qint64 ms = 0;      // wall time
};

// Two arms, three seeds; the second follows the first's weight norm, seed by seed.
// Runs end 100 steps after grokking: 1-4 s each on one thread.
const char* kPairSpec = R"({
  "name": "pair",
  "preset": "z23-quick",
  "seeds": [0, 1, 2],
  "overrides": {"run.stop_at_grok": true, "run.stop_after_grok_steps": 100},
  "arms": [
    {"name": "baseline"},
    {"name": "matched", "overrides": {"intervention.mixing": true}, "norm_reference_arm": "baseline"}
  ]
})";

}  // namespace

class TestSlurmExperiment : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void summaryEqualsTheLocalBackends();
    void normMatchedTasksStartAfterTheirReference();
    void runtimeFailureShowsItsExitCode();
    void cancelledTaskResumesFromItsCheckpoint();
    void userTextReachesNoShell();
    void experimentCancelCancelsQueuedTasks();
    void overheadOfShortRuns();
    void cleanupTestCase();

private:
    CliRun cli(const QStringList& arguments, int timeoutMs = 180000);
    // Runs `pair` (kPairSpec) through both backends once; the tests that need it share it.
    void runPairExperiment();
    QString status(const QString& experiment);
    QString submittedJob(const QString& experiment, int arm);

    SlurmCluster cluster_;
    QTemporaryDir work_;
    QString cwd_;  // the CLI's working directory
    bool pairRan_ = false;
    CliRun pairLocal_, pairSlurm_;
};

void TestSlurmExperiment::initTestCase()
{
    if (SlurmCluster::skipRequested())
        QSKIP("GROKSCOPE_SKIP_SLURM_TESTS=1: the Slurm tests are skipped");
    const QString missing = SlurmCluster::missingPrograms();
    QVERIFY2(missing.isEmpty(), qPrintable(missing));
    QVERIFY(work_.isValid());
    cwd_ = work_.filePath("cwd");
    QVERIFY(QDir().mkpath(cwd_));
    QString error;
    QVERIFY2(cluster_.start(&error), qPrintable(error));
    qInfo("cluster up in %lld ms", cluster_.startupMs());
}

void TestSlurmExperiment::cleanupTestCase() { cluster_.stop(); }

CliRun TestSlurmExperiment::cli(const QStringList& arguments, int timeoutMs)
{
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setProcessEnvironment(cluster_.environment());
    process.setWorkingDirectory(cwd_);
    QElapsedTimer clock;
    clock.start();
    process.start(QString::fromUtf8(GROKSCOPE_CLI_PATH), arguments);
    if (!process.waitForStarted(timeoutMs))
        return {-1, "cannot start " + process.program() + ": " + process.errorString(), clock.elapsed()};
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
    }
    return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
            QString::fromUtf8(process.readAll()), clock.elapsed()};
}

QString TestSlurmExperiment::status(const QString& experiment)
{
    const CliRun listed = cli({"experiment-status", experiment}, 60000);
    if (listed.exitCode != 0)
        qWarning("experiment-status exited %d: %s", listed.exitCode, qPrintable(listed.output));
    return listed.output;
}

// The array id of arm `arm`'s latest submission, or empty.
QString TestSlurmExperiment::submittedJob(const QString& experiment, int arm)
{
    QString job;
    for (const QJsonObject& line : submissions(experiment))
        if (line.value("arm").toInt(-1) == arm)
            job = line.value("job").toVariant().toString();
    return job;
}

void TestSlurmExperiment::runPairExperiment()
{
    if (pairRan_)
        return;
    pairRan_ = true;
    const QString spec = work_.filePath("pair.json");
    writeFile(spec, kPairSpec);
    pairLocal_ = cli({"experiment", spec, "--out", work_.filePath("local"), "--jobs", "2", "--quiet"});
    QVERIFY2(pairLocal_.exitCode == 0, qPrintable(pairLocal_.output));

    // Through Slurm, timing how long the first task takes to start: its run directory's
    // config.json is the run's first write.
    const QString slurm = work_.filePath("slurm");
    QProcess process;
    process.setProcessChannelMode(QProcess::MergedChannels);
    process.setProcessEnvironment(cluster_.environment());
    process.setWorkingDirectory(cwd_);
    QElapsedTimer clock;
    clock.start();
    process.start(QString::fromUtf8(GROKSCOPE_CLI_PATH),
                  {"experiment", spec, "--out", slurm, "--backend", "slurm", "--wait", "--quiet"});
    qint64 firstRunMs = -1;
    while (process.state() != QProcess::NotRunning && clock.elapsed() < 240000) {
        if (firstRunMs < 0)
            for (const char* arm : {"baseline", "matched"})
                for (int seed = 0; seed < 3; ++seed)
                    if (firstRunMs < 0 && QFile::exists(QString("%1/%2/seed_%3/config.json").arg(slurm, arm).arg(seed)))
                        firstRunMs = clock.elapsed();
        QTest::qWait(20);
    }
    if (process.state() != QProcess::NotRunning) {
        process.kill();
        process.waitForFinished();
    }
    pairSlurm_ = {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
                  QString::fromUtf8(process.readAll()), clock.elapsed()};
    QVERIFY2(pairSlurm_.exitCode == 0, qPrintable(pairSlurm_.output + "\n" + cluster_.logTail()));

    // README, "Running on a cluster": the overheads on this loopback cluster.
    qInfo("overhead: command start to first task running: %lld ms with --backend slurm", firstRunMs);
    qInfo("overhead: 6 runs (2 arms x 3 seeds, 2 at a time): local %lld ms, slurm --wait %lld ms", pairLocal_.ms,
          pairSlurm_.ms);
    qInfo("overhead: per run %.0f ms ((slurm - local) / 6 runs x 2 slots)", (pairSlurm_.ms - pairLocal_.ms) / 3.0);
}

void TestSlurmExperiment::summaryEqualsTheLocalBackends()
{
    runPairExperiment();
    QVERIFY(pairSlurm_.exitCode == 0 && pairLocal_.exitCode == 0);
    const QString local = work_.filePath("local"), slurm = work_.filePath("slurm");
    for (const char* file : {"summary.md", "summary.csv", "runs.csv"})
        QVERIFY2(QFile::exists(slurm + "/" + file), file);
    // summary.csv has no wall time; summary.md and runs.csv carry it per run.
    QCOMPARE(read(slurm + "/summary.csv"), read(local + "/summary.csv"));
    QCOMPARE(withoutTrainingSeconds(read(slurm + "/summary.md")), withoutTrainingSeconds(read(local + "/summary.md")));
    QCOMPARE(csvWithoutColumn(read(slurm + "/runs.csv"), "training_s"),
             csvWithoutColumn(read(local + "/runs.csv"), "training_s"));
    // Not vacuous: every run finished and grokked.
    QCOMPARE(QString::fromStdString(read(slurm + "/runs.csv")).count(",finished,"), 6);
    QVERIFY(withoutTrainingSeconds(read(slurm + "/summary.md")).find("| matched | 3 | 0 | 3/3 |") != std::string::npos);

    // One array per arm, seeds as task ids; the listing shows every run ended.
    const QList<QJsonObject> submitted = submissions(slurm);
    QCOMPARE(submitted.size(), 2);
    for (int arm = 0; arm < 2; ++arm)
        QCOMPARE(submitted[arm].value("tasks").toArray(), QJsonArray({0, 1, 2}));
    const QString listing = status(slurm);
    qInfo("experiment-status of the Slurm experiment:\n%s", qPrintable(listing));
    for (const char* arm : {"baseline", "matched"})
        for (int seed = 0; seed < 3; ++seed)
            QVERIFY2(statusLine(listing, arm, seed).startsWith("grokked at "), qPrintable(listing));
    // The local experiment's listing, from its run logs alone, is the same.
    QCOMPARE(status(local), listing);
    // --watch stops repeating once every run has ended: at once here.
    const CliRun watched = cli({"experiment-status", slurm, "--watch", "1"}, 30000);
    QCOMPARE(watched.exitCode, 0);
    QVERIFY2(watched.output.contains(listing.trimmed()), qPrintable(watched.output));
}

void TestSlurmExperiment::normMatchedTasksStartAfterTheirReference()
{
    runPairExperiment();
    QVERIFY(pairSlurm_.exitCode == 0);
    const QString slurm = work_.filePath("slurm");
    // Slurm's own dependency, task by task, on the reference array.
    const QList<QJsonObject> submitted = submissions(slurm);
    QCOMPARE(submitted.size(), 2);
    const QString referenceJob = submittedJob(slurm, 0);
    QVERIFY(!referenceJob.isEmpty());
    QVERIFY2(submitted[1].value("dependency").toString().contains("aftercorr:" + referenceJob),
             qPrintable(QJsonDocument(submitted[1]).toJson()));

    // Each matched run wrote its first file after its reference's last one (and after
    // the reference task's exit file, where there is one). Without the dependency the
    // long baseline seed 1 (~4 s) is still running when a slot frees up for matched.
    const fs::path root = slurm.toStdString();
    for (int seed = 0; seed < 3; ++seed) {
        const std::string s = std::to_string(seed);
        const auto started = writtenAt(root / "matched" / ("seed_" + s) / "config.json");
        QVERIFY(started != fs::file_time_type::max());
        QVERIFY2(started > newestUnder(root / "baseline" / ("seed_" + s)), qPrintable("seed " + QString::number(seed)));
        const fs::path exitFile = root / "slurm" / "exit" / ("0_" + s + ".json");
        if (fs::exists(exitFile))
            QVERIFY(started > writtenAt(exitFile));
        // It followed the reference's trajectory (the local backend's own test checks the rest).
        const RunLog log = runLog((root / "matched" / ("seed_" + s)).string());
        QCOMPARE(fs::path(log.config.intervention.normReferenceRun), root / "baseline" / ("seed_" + s));
    }
}

void TestSlurmExperiment::runtimeFailureShowsItsExitCode()
{
    // A learning rate that passes validation but makes the loss NaN at step 2: the run
    // fails at run time and exits 3.
    const QString spec = work_.filePath("fails.json");
    writeFile(spec, R"({"name": "fails", "preset": "z23-quick", "seeds": [0],
        "arms": [{"name": "diverges", "overrides": {"optim.learning_rate": 1e30, "optim.weight_decay": 0}}]})");
    const QString local = work_.filePath("fails-local"), slurm = work_.filePath("fails-slurm");
    const CliRun localRun = cli({"experiment", spec, "--out", local, "--quiet"});
    const CliRun slurmRun = cli({"experiment", spec, "--out", slurm, "--backend", "slurm", "--wait", "--quiet"});
    QVERIFY2(slurmRun.exitCode == localRun.exitCode, qPrintable(slurmRun.output + "\n---\n" + localRun.output));
    QVERIFY(runLog((slurm + "/diverges/seed_0").toStdString()).firstEvent("failed"));

    const QJsonObject exit = QJsonDocument::fromJson(QByteArray::fromStdString(read(slurm + "/slurm/exit/0_0.json"))).object();
    QCOMPARE(exit.value("exit_code").toInt(-1), 3);
    QCOMPARE(exit.value("job").toString(), submittedJob(slurm, 0) + "_0");

    const QString listing = status(slurm);
    QCOMPARE(statusLine(listing, "diverges", 0), QString("failed with exit code 3"));
    QVERIFY2(listing.contains(QRegularExpression("arm diverges: 1 runs?: 1 failed")), qPrintable(listing));
    // As summarised locally.
    QCOMPARE(csvWithoutColumn(read(slurm + "/runs.csv"), "training_s"),
             csvWithoutColumn(read(local + "/runs.csv"), "training_s"));
}

void TestSlurmExperiment::cancelledTaskResumesFromItsCheckpoint()
{
    // A fixed-length run (~8 s) with frequent checkpoints.
    const QString spec = work_.filePath("long.json");
    writeFile(spec, R"({"name": "long", "preset": "z23-quick", "seeds": [0],
        "overrides": {"run.steps": 6000, "run.stop_at_grok": false, "run.checkpoint_every_steps": 500},
        "arms": [{"name": "baseline"}]})");
    const QString experiment = work_.filePath("long");
    const QStringList command = {"experiment", spec, "--out", experiment, "--backend", "slurm", "--quiet"};
    const CliRun submitted = cli(command, 60000);
    QVERIFY2(submitted.exitCode == 0, qPrintable(submitted.output));
    const QString job = submittedJob(experiment, 0);
    QVERIFY2(!job.isEmpty(), qPrintable(submitted.output));
    QVERIFY2(submitted.output.contains("arm baseline: array " + job), qPrintable(submitted.output));

    // Cancel once a checkpoint exists.
    const fs::path run = (experiment + "/baseline/seed_0").toStdString();
    QElapsedTimer waited;
    waited.start();
    auto hasCheckpoint = [&] {
        std::error_code error;
        for (const auto& entry : fs::directory_iterator(run / runlog::kCheckpoints, error))
            if (entry.path().extension() == ".pt")
                return true;
        return false;
    };
    while (!hasCheckpoint() && waited.elapsed() < 60000)
        QTest::qWait(20);
    QVERIFY2(hasCheckpoint(), qPrintable("no checkpoint after 60 s\n" + cluster_.logTail()));
    const QString running = status(experiment);
    QVERIFY2(statusLine(running, "baseline", 0).startsWith("running at step "), qPrintable(running));
    QCOMPARE(cluster_.run("scancel", {job + "_0"}).exitCode, 0);
    QVERIFY2(cluster_.waitUntilGone(job, 30000), "the cancelled task is still queued after 30 s");

    const RunLog stopped = runLog(run.string());
    const RunEvent* stop = stopped.firstEvent("stopped");
    QVERIFY2(stop, "the run log has no stopped event");
    QVERIFY(stop->step < 6000);
    QVERIFY(!stopped.firstEvent("finished"));
    const QString state = statusLine(status(experiment), "baseline", 0);
    qInfo("scancel at step %ld: experiment-status says \"%s\"", stop->step, qPrintable(state));
    QVERIFY2(state == "stopped at step " + QString::number(stop->step) || state == "cancelled", qPrintable(state));

    // The same command again resumes it from its checkpoint and waits for it to end.
    const CliRun resumed = cli(command + QStringList{"--wait"});
    QVERIFY2(resumed.exitCode == 0, qPrintable(resumed.output));
    QCOMPARE(submissions(experiment).size(), 2);
    const RunLog finished = runLog(run.string());
    const RunEvent* resumedEvent = finished.firstEvent("resumed");
    QVERIFY2(resumedEvent, "the rerun did not resume the run");
    QVERIFY(resumedEvent->step > 0 && resumedEvent->step <= stop->step);
    QVERIFY(finished.firstEvent("finished"));
    QCOMPARE(finished.firstEvent("finished")->step, 6000L);
    QCOMPARE(finished.evaluations.back().step, 6000L);
    QCOMPARE(statusLine(status(experiment), "baseline", 0).left(7), QString("grokked"));
}

void TestSlurmExperiment::userTextReachesNoShell()
{
    const QString payload = "x; touch PWNED $(touch PWNED2) `touch PWNED3` 'q\"";
    // An arm named so runs as plain text: its directory, its run's name and the summary
    // carry the name, and nothing executes it.
    QJsonObject arm{{"name", payload}};
    QJsonObject armSpec{{"name", "armname"}, {"preset", "z23-quick"}, {"seeds", QJsonArray{0}},
                        {"overrides", QJsonObject{{"run.steps", 200}}}, {"arms", QJsonArray{arm}}};
    writeFile(work_.filePath("armname.json"), QJsonDocument(armSpec).toJson());
    const QString armExperiment = work_.filePath("armname");
    const CliRun byArm = cli({"experiment", work_.filePath("armname.json"), "--out", armExperiment, "--backend", "slurm",
                              "--wait", "--quiet"});
    QVERIFY2(byArm.exitCode == 0, qPrintable(byArm.output + "\n" + cluster_.logTail()));
    QVERIFY(runLog((armExperiment + "/" + payload + "/seed_0").toStdString()).firstEvent("finished"));
    QCOMPARE(statusLine(status(armExperiment), payload, 0), QString("finished"));
    QVERIFY(!QString::fromStdString(read(armExperiment + "/slurm/0.sbatch")).contains("PWNED"));

    // The experiment's name and DIR carry it (and '%', which sbatch's --output expands),
    // and the arm's name starts with dashes, as an option would.
    QJsonObject spec{{"name", payload}, {"preset", "z23-quick"}, {"seeds", QJsonArray{0}},
                     {"overrides", QJsonObject{{"run.steps", 200}}}, {"arms", QJsonArray{QJsonObject{{"name", "--help"}}}}};
    writeFile(work_.filePath("metachar.json"), QJsonDocument(spec).toJson());
    const QString experiment = work_.filePath(payload + " %A %%/exp");
    QVERIFY(QDir().mkpath(QFileInfo(experiment).path()));
    const CliRun ran = cli({"experiment", work_.filePath("metachar.json"), "--out", experiment, "--backend", "slurm",
                            "--wait", "--quiet"});
    QVERIFY2(ran.exitCode == 0, qPrintable(ran.output + "\n" + cluster_.logTail()));
    QVERIFY(runLog((experiment + "/--help/seed_0").toStdString()).firstEvent("finished"));
    const QString listing = status(experiment);
    QVERIFY2(statusLine(listing, "--help", 0) == "finished", qPrintable(listing));  // 200 steps: not grokked
    // The kept batch script holds no user text: it gets DIR as an argument.
    const QString script = QString::fromStdString(read(experiment + "/slurm/0.sbatch"));
    QVERIFY2(script.startsWith("#!"), qPrintable(experiment + "/slurm/0.sbatch"));
    QVERIFY2(!script.contains("PWNED") && !script.contains("--help"), qPrintable(script));

    QStringList pwned = pwnedUnder(work_.path()) + pwnedUnder(cluster_.directory());
    for (const char* name : {"PWNED", "PWNED2", "PWNED3"})
        for (const QString& directory : {QDir::tempPath(), QDir::rootPath(), QDir::homePath()})
            if (QFileInfo::exists(directory + "/" + name))
                pwned << directory + "/" + name;
    QVERIFY2(pwned.isEmpty(), qPrintable(pwned.join(", ")));
}

void TestSlurmExperiment::experimentCancelCancelsQueuedTasks()
{
    // Four long runs (~30 s each, should the test abort and leave them), one at a time:
    // one runs, three wait in the queue.
    const QString spec = work_.filePath("queue.json");
    writeFile(spec, R"({"name": "queue", "preset": "z23-quick", "seeds": [0, 1, 2, 3],
        "overrides": {"run.steps": 20000, "run.stop_at_grok": false}, "arms": [{"name": "baseline"}]})");
    const QString experiment = work_.filePath("queue");
    const CliRun submitted =
        cli({"experiment", spec, "--out", experiment, "--backend", "slurm", "--max-running", "1", "--quiet"}, 60000);
    QVERIFY2(submitted.exitCode == 0, qPrintable(submitted.output));
    const QString job = submittedJob(experiment, 0);
    QVERIFY(!job.isEmpty());
    QElapsedTimer waited;
    waited.start();
    QString listing;
    auto runsIn = [&](const QString& state) {
        int count = 0;
        for (int seed = 0; seed < 4; ++seed)
            count += statusLine(listing, "baseline", seed).startsWith(state);
        return count;
    };
    while (waited.elapsed() < 60000) {
        listing = status(experiment);
        if (runsIn("running at step ") == 1)
            break;
        QTest::qWait(200);
    }
    QVERIFY2(runsIn("running at step ") == 1 && runsIn("pending") == 3, qPrintable(listing));

    const CliRun cancelled = cli({"experiment-cancel", experiment}, 60000);
    QVERIFY2(cancelled.exitCode == 0, qPrintable(cancelled.output));
    QVERIFY2(cancelled.output.contains(job), qPrintable(cancelled.output));
    QVERIFY2(cluster_.waitUntilGone(job, 30000), "tasks still queued 30 s after experiment-cancel");

    listing = status(experiment);
    qInfo("after experiment-cancel:\n%s", qPrintable(listing));
    for (int seed = 1; seed < 4; ++seed)
        QVERIFY2(statusLine(listing, "baseline", seed) == "cancelled", qPrintable(listing));
    const QString first = statusLine(listing, "baseline", 0);
    QVERIFY2(first.startsWith("stopped at step ") || first == "cancelled", qPrintable(listing));
    // Nothing of it runs any more.
    const SlurmCommandResult active = cluster_.run("squeue", {"-h", "-t", "R,PD,CG", "-o", "%i"});
    QCOMPARE(active.output.trimmed(), QString());
}

void TestSlurmExperiment::overheadOfShortRuns()
{
    // Eight 20-step runs, two at a time, so that what each task costs beyond the run
    // itself dominates; the same spec through both backends, one after the other.
    const QString spec = work_.filePath("short.json");
    writeFile(spec, R"({"name": "short", "preset": "z23-quick", "seeds": [0, 1, 2, 3, 4, 5, 6, 7],
        "overrides": {"run.steps": 20}, "arms": [{"name": "baseline"}]})");
    const QString local = work_.filePath("short-local"), slurm = work_.filePath("short-slurm");
    const CliRun localRun = cli({"experiment", spec, "--out", local, "--jobs", "2", "--quiet"});
    QVERIFY2(localRun.exitCode == 0, qPrintable(localRun.output));
    const CliRun slurmRun = cli({"experiment", spec, "--out", slurm, "--backend", "slurm", "--wait", "--quiet"});
    QVERIFY2(slurmRun.exitCode == 0, qPrintable(slurmRun.output));
    QCOMPARE(read(slurm + "/summary.csv"), read(local + "/summary.csv"));
    QCOMPARE(QString::fromStdString(read(slurm + "/runs.csv")).count(",finished,"), 8);
    // README, "Running on a cluster". --wait notices the end within its 2 s poll.
    qInfo("overhead: 8 runs of 20 steps, 2 at a time: local %lld ms, slurm --wait %lld ms: %.0f ms more per run and slot",
          localRun.ms, slurmRun.ms, (slurmRun.ms - localRun.ms) / 4.0);
}

QTEST_GUILESS_MAIN(TestSlurmExperiment)
#include "tst_slurm_experiment.moc"
