// Following an experiment directory in the window: one row per (arm, seed) with the
// state `grokscope-cli experiment-status` prints, a running run's step moving as its
// log grows, double-click opening a run in the charts, and a directory that is not an
// experiment refused (one line naming it; exit 2 from `grokscope --open-experiment`).
#include "chart_board.h"
#include "chart_panel.h"
#include "experiment_monitor.h"
#include "main_window.h"
#include "run_list.h"

#include "metrics/metric_columns.h"

#include "../known_run_log.h"

#include <QAction>
#include <QFile>
#include <QDir>
#include <QLabel>
#include <QProcess>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <filesystem>
#include <fstream>

using namespace grokscope;
using namespace grokscope::ui;
namespace fs = std::filesystem;

namespace {

// Two arms of two seeds of z23-quick, as `grokscope-cli experiment` lays them out:
// DIR/spec.json and DIR/<arm>/seed_<s>/.
void writeSpec(const fs::path& directory)
{
    fs::create_directories(directory);
    std::ofstream(directory / "spec.json") << R"({"name": "known", "preset": "z23-quick", "seeds": [0, 1],
        "arms": [{"name": "a"}, {"name": "b"}]})";
}

// A run that has evaluated up to `lastStep` (every 100 steps) and is still going: no end event.
void writeRunningRun(const fs::path& directory, long fromStep, long lastStep)
{
    if (fromStep == 0) {
        TrainConfig config = loadPreset("z23-quick");
        config.run.modelSeed = 1;
        RunLogWriter::writeConfig(directory.string(), config);
    }
    RunLogWriter writer(directory.string(), {"all"});  // appends to an existing log
    for (long step = fromStep; step <= lastStep; step += 100) {
        EvalSnapshot s;
        s.step = step;
        s.trainAccuracy = step >= 200 ? 1.0 : 0.1;
        s.testAccuracy = 0.01;
        s.trainLoss = s.testLoss = 1.0;
        s.weightNorm = 40.0;
        s.entropy = 0.7;
        writer.onEvaluation(s);
    }
}

size_t columnIndex(const char* name) { return size_t(findMetricColumn(name) - metricColumns().data()); }

QString text(QTableWidget* table, int row, int column) { return table->item(row, column)->text(); }

// Waits for the monitor's next reading (it comes from a worker thread).
bool nextReading(ExperimentMonitor* monitor)
{
    QSignalSpy spy(monitor, &ExperimentMonitor::refreshed);
    return spy.wait(10000);
}

}  // namespace

class TestExperimentMonitor : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void listsEveryRunAndFollowsARunningOne()
    {
        QTemporaryDir temp;
        const fs::path dir = fs::path(temp.path().toStdString()) / "exp";
        writeSpec(dir);
        writeFinishedRun(dir / "a" / "seed_0", "z23-quick", 0, 500);
        writeRunningRun(dir / "a" / "seed_1", 0, 300);
        writeFinishedRun(dir / "b" / "seed_1", "z23-quick", 1, 300);  // b/seed_0: never started

        MainWindow window;
        QCOMPARE(window.openExperiment(QString::fromStdString(dir.string())), QString());
        ExperimentMonitor* monitor = window.experimentMonitor();
        QVERIFY(monitor);
        QVERIFY(nextReading(monitor));
        QTableWidget* table = monitor->table();
        QCOMPARE(table->rowCount(), 4);
        const QStringList expected[] = {{"a", "0", "grokked at 500", "700", "500", ""},
                                        {"a", "1", "running at step 300", "300", "", ""},
                                        {"b", "0", "not submitted", "", "", ""},
                                        {"b", "1", "grokked at 300", "500", "300", ""}};
        for (int row = 0; row < 4; ++row)
            for (int column = 0; column < ExperimentMonitor::ColumnCount; ++column)
                QCOMPARE(text(table, row, column), expected[row][column]);
        QCOMPARE(monitor->armCounts(),
                 QStringList({"a: 2 runs: 1 finished, 1 running", "b: 2 runs: 1 finished, 1 not submitted"}));
        QVERIFY(monitor->isFollowing());

        // The running run's log grows: the next reading shows its new step.
        writeRunningRun(dir / "a" / "seed_1", 400, 600);
        monitor->refresh();
        QVERIFY(nextReading(monitor));
        QCOMPARE(text(table, 1, ExperimentMonitor::StateColumn), QString("running at step 600"));
        QCOMPARE(text(table, 1, ExperimentMonitor::StepColumn), QString("600"));

        // The 2 s timer rereads on its own.
        writeRunningRun(dir / "a" / "seed_1", 700, 700);
        QVERIFY(nextReading(monitor));
        QCOMPARE(text(table, 1, ExperimentMonitor::StepColumn), QString("700"));
    }

    void theChartsFollowEveryRunOfTheExperimentLive()
    {
        QTemporaryDir temp;
        const fs::path dir = fs::path(temp.path().toStdString()) / "exp";
        writeSpec(dir);
        writeFinishedRun(dir / "a" / "seed_0", "z23-quick", 0, 500);
        writeRunningRun(dir / "a" / "seed_1", 0, 300);
        writeFinishedRun(dir / "b" / "seed_1", "z23-quick", 1, 300);

        MainWindow window;
        QCOMPARE(window.openExperiment(QString::fromStdString(dir.string())), QString());
        ExperimentMonitor* monitor = window.experimentMonitor();
        QVERIFY(nextReading(monitor));
        // Two arms, each holding its two seeds, in the run list the charts follow.
        RunList* runs = window.board()->runs();
        QCOMPARE(runs->count(), 6);
        QCOMPARE(runs->runs()[0].name, QStringLiteral("a"));
        QCOMPARE(runs->runs()[0].source, RunSource::ExperimentArm);
        QCOMPARE(runs->children(runs->runs()[0].id).size(), size_t(2));
        const int armA = runs->runs()[0].id;
        const int runningSeed = runs->runs()[2].id;
        ChartPanel* norm = window.board()->chartPanels()[2];
        const size_t normColumn = columnIndex("weight_norm");
        QCOMPARE(norm->pointCount(window.board()->seriesId(runningSeed, normColumn)), 4);  // steps 0–300
        QVERIFY(norm->pointCount(window.board()->seriesId(armA, normColumn)) >= 4);
        QCOMPARE(window.board()->armGrokSteps(armA), std::vector<double>({500.0}));

        // The running seed's log grows: its series and its arm's mean follow.
        writeRunningRun(dir / "a" / "seed_1", 400, 600);
        monitor->refresh();
        QVERIFY(nextReading(monitor));
        QCOMPARE(norm->pointCount(window.board()->seriesId(runningSeed, normColumn)), 7);

        // A second experiment replaces the first on the charts.
        const fs::path other = fs::path(temp.path().toStdString()) / "other";
        writeSpec(other);
        QCOMPARE(window.openExperiment(QString::fromStdString(other.string())), QString());
        QCOMPARE(runs->count(), 6);
        QVERIFY(!runs->find(armA));
    }

    void followsARealExperimentWhileItRuns()
    {
        // `grokscope-cli experiment` on z23-quick, 2 arms × 2 seeds, one run at a time:
        // the window sees a seed's series grow while its run trains, then every arm's
        // mean and the T_grok strip once the runs have ended.
        QTemporaryDir temp;
        const QString spec = temp.filePath(QStringLiteral("spec.json"));
        std::ofstream(spec.toStdString()) << R"({"name": "live", "preset": "z23-quick", "seeds": [0, 1],
            "overrides": {"run.steps": 1500, "run.eval_every_steps": 25},
            "arms": [{"name": "baseline"}, {"name": "mixing", "overrides": {"intervention.mixing": true}}]})";
        const QString out = temp.filePath(QStringLiteral("exp"));
        QProcess cli;
        cli.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        cli.start(QStringLiteral(GROKSCOPE_CLI_PATH),
                  {QStringLiteral("experiment"), spec, QStringLiteral("--out"), out, QStringLiteral("--jobs"), QStringLiteral("1")});
        QVERIFY(cli.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(QFile::exists(out + QStringLiteral("/spec.json")), 30000);

        MainWindow window;
        QCOMPARE(window.openExperiment(out), QString());
        RunList* runs = window.board()->runs();
        QCOMPARE(runs->count(), 6);
        ChartPanel* accuracy = window.board()->chartPanels()[1];
        const size_t column = columnIndex("train_accuracy");
        auto points = [&] {
            int total = 0;
            for (const ShownRun& run : runs->runs())
                if (run.source == RunSource::ExperimentSeed)
                    total += accuracy->pointCount(window.board()->seriesId(run.id, column));
            return total;
        };
        // Seen mid-run: some points, then more, while the CLI still runs.
        QTRY_VERIFY_WITH_TIMEOUT(points() > 0 && cli.state() == QProcess::Running, 60000);
        const int early = points();
        QTRY_VERIFY_WITH_TIMEOUT(points() > early, 30000);
        QVERIFY2(cli.state() == QProcess::Running, "the experiment ended before a second reading: make it longer");

        QVERIFY(cli.waitForFinished(300000));
        QCOMPARE(cli.exitCode(), 0);
        // Every run has 61 evaluations (0–1,500 every 25) once its log is read whole.
        QTRY_COMPARE_WITH_TIMEOUT(points(), 4 * 61, 20000);
        const int baseline = runs->runs()[0].id;
        QCOMPARE(accuracy->pointCount(window.board()->seriesId(baseline, column)), 61);
        QTRY_VERIFY_WITH_TIMEOUT(!window.experimentMonitor()->isFollowing(), 10000);
    }

    void stopsFollowingWhenEveryRunHasEnded()
    {
        QTemporaryDir temp;
        const fs::path dir = fs::path(temp.path().toStdString());
        writeSpec(dir);
        writeFinishedRun(dir / "a" / "seed_0", "z23-quick", 0, 500);
        writeFinishedRun(dir / "a" / "seed_1", "z23-quick", 1, 400);
        writeFinishedRun(dir / "b" / "seed_0", "z23-quick", 0, 300);
        writeFinishedRun(dir / "b" / "seed_1", "z23-quick", 1, 200);
        ExperimentMonitor monitor;
        QCOMPARE(monitor.open(temp.path()), QString());
        QVERIFY(monitor.isFollowing());
        QVERIFY(nextReading(&monitor));
        QVERIFY(!monitor.isFollowing());
        QCOMPARE(text(monitor.table(), 3, ExperimentMonitor::StateColumn), QString("grokked at 200"));
        QCOMPARE(monitor.armCounts(), QStringList({"a: 2 runs: 2 finished", "b: 2 runs: 2 finished"}));
    }

    void followsSixtyRunsFromTheWorkerThread()
    {
        QTemporaryDir temp;
        const fs::path dir = fs::path(temp.path().toStdString());
        std::ofstream(dir / "spec.json") << R"({"name": "wide", "preset": "z23-quick",
            "seeds": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
                      20, 21, 22, 23, 24, 25, 26, 27, 28, 29],
            "arms": [{"name": "a"}, {"name": "b"}]})";
        for (unsigned long long seed = 0; seed < 30; ++seed)
            writeFinishedRun(dir / "b" / ("seed_" + std::to_string(seed)), "z23-quick", seed, 100 * long(seed + 1));
        ExperimentMonitor monitor;
        QCOMPARE(monitor.open(temp.path()), QString());
        QVERIFY(nextReading(&monitor));
        QCOMPARE(monitor.table()->rowCount(), 60);
        QCOMPARE(text(monitor.table(), 29, ExperimentMonitor::StateColumn), QString("not submitted"));
        QCOMPARE(text(monitor.table(), 59, ExperimentMonitor::StateColumn), QString("grokked at 3000"));
        QCOMPARE(monitor.armCounts(), QStringList({"a: 30 runs: 30 not submitted", "b: 30 runs: 30 finished"}));
        qInfo("one reading of 60 runs took %.1f ms (on the worker thread)", monitor.lastReadMs());
    }

    void doubleClickOpensTheRunInTheCharts()
    {
        QTemporaryDir temp;
        const fs::path dir = fs::path(temp.path().toStdString());
        writeSpec(dir);
        writeFinishedRun(dir / "b" / "seed_1", "z23-quick", 1, 300);
        MainWindow window;
        QCOMPARE(window.openExperiment(temp.path()), QString());
        ExperimentMonitor* monitor = window.experimentMonitor();
        QVERIFY(nextReading(monitor));
        QTableWidget* table = monitor->table();

        // A run that has not started has nothing to open.
        Q_EMIT table->cellDoubleClicked(0, 0);
        QCOMPARE(window.currentRunDirectory(), QString());

        const QString run = QString::fromStdString((dir / "b" / "seed_1").string());
        Q_EMIT table->cellDoubleClicked(3, ExperimentMonitor::StateColumn);
        QCOMPARE(window.currentRunDirectory(), run);
    }

    void refusesADirectoryThatIsNotAnExperiment()
    {
        QTemporaryDir temp;
        const QString plain = temp.filePath(QStringLiteral("not-an-experiment"));
        QVERIFY(QDir().mkpath(plain));
        MainWindow window;
        bool inFileMenu = false;  // the menu entry that asks for the directory
        for (const QAction* action : window.findChildren<QAction*>())
            inFileMenu = inFileMenu || action->text() == QStringLiteral("Open e&xperiment…");
        QVERIFY(inFileMenu);
        const QString error = window.openExperiment(plain);
        QCOMPARE(error, plain + " is not an experiment directory (it has no spec.json)");
        QVERIFY(!error.contains(QLatin1Char('\n')));

        // From the command line: one line on stderr, exit 2, no window left behind.
        QProcess gui;
        gui.start(QString::fromUtf8(GROKSCOPE_GUI_PATH), {"--open-experiment", plain});
        QVERIFY(gui.waitForFinished(60000));
        QCOMPARE(gui.exitStatus(), QProcess::NormalExit);
        QCOMPARE(gui.exitCode(), 2);
        QStringList lines;
        for (const QString& line : QString::fromUtf8(gui.readAllStandardError()).split('\n', Qt::SkipEmptyParts))
            if (!line.startsWith(QStringLiteral("QStandardPaths:")))  // Qt's note about the environment
                lines << line;
        QCOMPARE(lines, QStringList{"error: " + error});
    }

    void aBrokenSpecIsRefusedNamingTheFile()
    {
        QTemporaryDir temp;
        std::ofstream(temp.filePath("spec.json").toStdString()) << R"({"name": "x", "preset": "no-such-preset",
            "seeds": [0], "arms": [{"name": "a"}]})";
        ExperimentMonitor monitor;
        const QString error = monitor.open(temp.path());
        QVERIFY2(error.startsWith(temp.filePath(QStringLiteral("spec.json")) + QStringLiteral(": "))
                     && error.contains(QStringLiteral("\"no-such-preset\" does not exist")),
                 qPrintable(error));
        QVERIFY(!monitor.isFollowing());
    }
};

QTEST_MAIN(TestExperimentMonitor)
#include "tst_experiment_monitor.moc"
