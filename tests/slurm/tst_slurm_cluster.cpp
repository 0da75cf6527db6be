// The real-cluster fixture itself (slurm_cluster.h), so that a broken fixture shows up
// here and not as a failure of the Slurm backend in tst_slurm_experiment: a private
// cluster comes up, runs a job array whose tasks end with known exit codes, cancels a
// running task through the TERM path the backend relies on, and stops without leaving
// a job behind, even after its daemons were killed.
//
// Needs slurmctld, slurmd and slurm-client (scripts/setup.sh installs them); without
// them the test fails. GROKSCOPE_SKIP_SLURM_TESTS=1 skips it instead.

#include "slurm_cluster.h"

#include <QtTest>
#include <QRegularExpression>

#include <csignal>

namespace {

void writeScript(const QString& path, const QByteArray& text)
{
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(text);
    file.close();
    QVERIFY(file.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
}

QString readFile(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QString::fromUtf8(file.readAll()) : QString();
}

// Gone, or a zombie nobody reaps (where PID 1 does not).
bool processEnded(pid_t pid)
{
    return ::kill(pid, 0) != 0 || readFile(QString("/proc/%1/stat").arg(pid)).contains(") Z ");
}

struct TaskEnd {
    QString state;     // COMPLETED, FAILED, CANCELLED ...
    QString exitCode;  // code:signal
};

// Each task's end as scontrol shows it: ArrayTaskId -> state and ExitCode.
std::map<int, TaskEnd> taskEnds(const SlurmCommandResult& shown)
{
    std::map<int, TaskEnd> ends;
    const QRegularExpression fields(QStringLiteral("ArrayTaskId=(\\d+) .*JobState=(\\S+) .*ExitCode=(\\d+:\\d+)"));
    for (const QString& line : shown.output.split('\n', Qt::SkipEmptyParts)) {
        const QRegularExpressionMatch match = fields.match(line);
        if (match.hasMatch())
            ends[match.captured(1).toInt()] = {match.captured(2), match.captured(3)};
    }
    return ends;
}

}  // namespace

class TestSlurmCluster : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void arrayTasksEndWithTheirExitCodes();
    void scancelSendsTermToARunningTask();
    void stopEndsRunningJobsAndTheDaemons();
    void stopEndsTheJobsOfKilledDaemons();
    void cleanupTestCase();

private:
    // Until no task of `job` is pending, running or completing; false after `timeoutMs`.
    QString submit(const QStringList& arguments);
    // Submits stubborn.sh (below), which ignores TERM, and returns its pid once it runs.
    pid_t startStubbornJob(const QString& out);

    SlurmCluster cluster_;
    QTemporaryDir work_;
};

void TestSlurmCluster::initTestCase()
{
    if (SlurmCluster::skipRequested())
        QSKIP("GROKSCOPE_SKIP_SLURM_TESTS=1: the Slurm tests are skipped");
    const QString missing = SlurmCluster::missingPrograms();
    QVERIFY2(missing.isEmpty(), qPrintable(missing));
    QVERIFY(work_.isValid());
    QString error;
    QVERIFY2(cluster_.start(&error), qPrintable(error));
    qInfo("cluster up in %lld ms (daemons started to node idle)", cluster_.startupMs());
    QVERIFY(cluster_.environment().value("SLURM_CONF") == cluster_.confPath());
}

QString TestSlurmCluster::submit(const QStringList& arguments)
{
    const SlurmCommandResult submitted = cluster_.run("sbatch", QStringList{"--parsable"} + arguments);
    if (submitted.exitCode != 0) {
        qWarning("sbatch failed: %s\n%s", qPrintable(submitted.errors), qPrintable(cluster_.logTail()));
        return QString();
    }
    return submitted.output.trimmed();
}

void TestSlurmCluster::arrayTasksEndWithTheirExitCodes()
{
    // Task i writes its arguments to out/task_i.txt and exits with 7 * i. The second
    // argument carries shell metacharacters: arguments after the script reach it intact.
    const QString out = work_.filePath("array");
    QVERIFY(QDir().mkpath(out));
    writeScript(work_.filePath("array.sh"), "#!/bin/bash\n"
                                            "printf '%s\\n' \"$2\" > \"$1/task_$SLURM_ARRAY_TASK_ID.txt\"\n"
                                            "exit $(( SLURM_ARRAY_TASK_ID * 7 ))\n");
    const QString tricky = "a b; touch PWNED $(touch PWNED2) 'q\"";
    QElapsedTimer clock;
    clock.start();
    const QString job = submit({"--array=0-2", "--output=" + out + "/%A_%a.out", work_.filePath("array.sh"), out, tricky});
    QVERIFY(!job.isEmpty());
    QVERIFY2(cluster_.waitUntilGone(job, 60000), qPrintable("array " + job + " still queued after 60 s\n" + cluster_.logTail()));
    qInfo("3-task trivial array done %lld ms after sbatch", clock.elapsed());

    for (int task = 0; task < 3; ++task)
        QCOMPARE(readFile(out + QString("/task_%1.txt").arg(task)), tricky + "\n");
    QVERIFY(!QFile::exists(work_.filePath("PWNED")) && !QFile::exists(work_.filePath("PWNED2")));

    const auto ends = taskEnds(cluster_.run("scontrol", {"-o", "show", "job", job}));
    QCOMPARE(ends.size(), std::size_t(3));
    QCOMPARE(ends.at(0).state, QString("COMPLETED"));
    QCOMPARE(ends.at(0).exitCode, QString("0:0"));
    QCOMPARE(ends.at(1).state, QString("FAILED"));
    QCOMPARE(ends.at(1).exitCode, QString("7:0"));
    QCOMPARE(ends.at(2).state, QString("FAILED"));
    QCOMPARE(ends.at(2).exitCode, QString("14:0"));

    // jobcomp/filetxt keeps one line per task, the record that outlives MinJobAge.
    const QString completions = readFile(cluster_.jobCompletionLog());
    QCOMPARE(completions.count(QRegularExpression(" ArrayJobId=" + job + " ")), 3);
    QVERIFY(completions.contains(QRegularExpression(" ArrayJobId=" + job + " ArrayTaskId=2 .*ExitCode=14:0")));
}

void TestSlurmCluster::scancelSendsTermToARunningTask()
{
    // The task notes that it started, and on TERM notes it and exits 143 as a run that
    // checkpoints does; the KILL that follows after KillWait must not be needed. (It
    // gives up after a minute, as the next one does, should an aborted test leave it.)
    const QString out = work_.filePath("cancel");
    QVERIFY(QDir().mkpath(out));
    writeScript(work_.filePath("cancel.sh"), "#!/bin/bash\n"
                                             "trap 'echo term >> \"$1/events\"; exit 143' TERM\n"
                                             "echo started >> \"$1/events\"\n"
                                             "for i in $(seq 600); do sleep 0.1; done\n");
    const QString job = submit({"--array=0", "--output=" + out + "/%A_%a.out", work_.filePath("cancel.sh"), out});
    QVERIFY(!job.isEmpty());
    QElapsedTimer clock;
    clock.start();
    while (!readFile(out + "/events").contains("started") && clock.elapsed() < 30000)
        QTest::qWait(50);
    QVERIFY2(readFile(out + "/events").contains("started"), qPrintable("never started\n" + cluster_.logTail()));
    qInfo("single task running %lld ms after sbatch", clock.elapsed());

    QCOMPARE(cluster_.run("scancel", {job + "_0"}).exitCode, 0);
    QVERIFY2(cluster_.waitUntilGone(job, 30000), "the cancelled task is still in the queue after 30 s");
    QCOMPARE(readFile(out + "/events"), QString("started\nterm\n"));
    const auto ends = taskEnds(cluster_.run("scontrol", {"-o", "show", "job", job}));
    QCOMPARE(ends.size(), std::size_t(1));
    QCOMPARE(ends.at(0).state, QString("CANCELLED"));
}

pid_t TestSlurmCluster::startStubbornJob(const QString& out)
{
    // It ignores TERM (so only KillWait's KILL ends it) and gives up after a minute.
    QDir().mkpath(out);
    writeScript(work_.filePath("stubborn.sh"), "#!/bin/bash\n"
                                               "trap '' TERM\n"
                                               "echo $$ > \"$1/pid\"\n"
                                               "for i in $(seq 600); do sleep 0.1; done\n");
    if (submit({"--output=" + out + "/%j.out", work_.filePath("stubborn.sh"), out}).isEmpty())
        return 0;
    QElapsedTimer clock;
    clock.start();
    while (readFile(out + "/pid").trimmed().isEmpty() && clock.elapsed() < 30000)
        QTest::qWait(50);
    return readFile(out + "/pid").trimmed().toInt();
}

void TestSlurmCluster::stopEndsRunningJobsAndTheDaemons()
{
    // stop() must leave neither the job nor a daemon behind.
    const pid_t pid = startStubbornJob(work_.filePath("stop"));
    QVERIFY2(pid > 0, qPrintable("the job never started\n" + cluster_.logTail()));
    QCOMPARE(::kill(pid, 0), 0);
    QElapsedTimer clock;
    clock.start();
    cluster_.stop();
    qInfo("stopped with a running job in %lld ms", clock.elapsed());
    QVERIFY(!cluster_.daemonsRunning());
    QVERIFY(processEnded(pid));
}

void TestSlurmCluster::stopEndsTheJobsOfKilledDaemons()
{
    // Daemons killed as a crash would: the job's slurmstepd lives on, holding the
    // cluster's slurmd.log; stop() finds it by that and kills its session.
    QString error;
    QVERIFY2(cluster_.start(&error), qPrintable(error));
    const pid_t pid = startStubbornJob(work_.filePath("orphan"));
    QVERIFY2(pid > 0, qPrintable("the job never started\n" + cluster_.logTail()));
    for (const qint64 daemon : cluster_.daemonPids())
        QCOMPARE(::kill(static_cast<pid_t>(daemon), SIGKILL), 0);
    QTest::qWait(200);
    QCOMPARE(::kill(pid, 0), 0);  // the job outlived them
    cluster_.stop();
    QVERIFY(!cluster_.daemonsRunning());
    QVERIFY(processEnded(pid));
}

void TestSlurmCluster::cleanupTestCase() { cluster_.stop(); }

QTEST_GUILESS_MAIN(TestSlurmCluster)
#include "tst_slurm_cluster.moc"
