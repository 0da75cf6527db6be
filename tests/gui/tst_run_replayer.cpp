// A replay plays, pauses, changes speed and seeks; at every step S it shows exactly
// the evaluations and events at steps ≤ S, on the charts and in MainWindow's event
// list, and the replay bar drives it. The run is tests/known_run_log.h's: evaluated
// every 100 steps from 0 to 1000, memorised at 200, grokked at 600, finished at 1000.
#include "chart_board.h"
#include "chart_panel.h"
#include "main_window.h"
#include "replay_bar.h"
#include "run_list.h"
#include "run_replayer.h"

#include "io/run_log.h"
#include "metrics/metric_columns.h"

#include "../known_run_log.h"

#include <QComboBox>
#include <QLabel>
#include <QListWidget>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace grokscope::ui;
using grokscope::RunLog;

namespace {

constexpr long kLastStep = 1000;
constexpr long kGrokStep = 600;

// Points of the replayed run's first series on the loss chart (the first chart). A
// backward seek redraws the run, so its series ids change: ask the board.
int lossPoints(const ChartBoard& board)
{
    const std::vector<grokscope::MetricColumn>& columns = grokscope::metricColumns();
    for (size_t c = 0; c < columns.size(); ++c)
        if (columns[c].chart == grokscope::MetricChart::Loss) {
            const int id = board.seriesId(board.runs()->liveArmRun(0), c);
            return id < 0 ? -1 : board.chartPanels().front()->pointCount(id);
        }
    return -1;
}

// The known run log has no warnings: every row of the event list is an event.
int eventRows(const QListWidget* list) { return list->count(); }

}  // namespace

class TestRunReplayer : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString m_run;
    RunLog m_log;

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("GrokScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_run_replayer"));
        QVERIFY(m_dir.isValid());
        m_run = m_dir.filePath(QStringLiteral("run"));
        writeKnownRun(m_run.toStdString(), "z23-quick", 3, kLastStep, kGrokStep, [](long step) {
            return 0.78 - 0.2 * double(step) / double(kLastStep);
        });
        m_log = grokscope::readRunLog(m_run.toStdString());
        QCOMPARE(m_log.evaluations.size(), size_t(11));
        QCOMPARE(m_log.events.size(), size_t(3));
        QVERIFY(m_log.warnings.empty());
    }

    void playsToTheEnd()
    {
        ChartBoard board;
        RunReplayer replayer(&board);
        QSignalSpy finished(&replayer, &RunReplayer::finished);
        replayer.open(m_log);
        QVERIFY(!replayer.isPlaying());
        QCOMPARE(replayer.positionStep(), -1L);
        QCOMPARE(lossPoints(board), 0);
        replayer.setSpeed(16);
        replayer.play();
        QVERIFY(replayer.isPlaying());
        QTRY_COMPARE_WITH_TIMEOUT(finished.count(), 1, 10000);
        QVERIFY(!replayer.isPlaying());
        QCOMPARE(replayer.positionStep(), kLastStep);
        QCOMPARE(replayer.shownEvaluations(), size_t(11));
        QCOMPARE(replayer.shownEvents(), size_t(3));
        QCOMPARE(lossPoints(board), 11);
        // Play at the end starts again from the beginning.
        replayer.play();
        QVERIFY(replayer.isPlaying());
        QVERIFY(replayer.shownEvaluations() < 11);
        replayer.stop();
        QVERIFY(!replayer.isLoaded());
    }

    void pauseStopsEmissions()
    {
        ChartBoard board;
        RunReplayer replayer(&board);
        QSignalSpy progressed(&replayer, &RunReplayer::progressed);
        replayer.open(m_log);
        replayer.setSpeed(0.5);  // 12.5 evaluations a second: ~0.9 s for the run
        replayer.play();
        QTRY_VERIFY_WITH_TIMEOUT(replayer.shownEvaluations() >= 2, 5000);
        replayer.pause();
        QVERIFY(!replayer.isPlaying());
        const int emitted = int(progressed.count());
        const size_t shown = replayer.shownEvaluations();
        QVERIFY(shown < 11);
        QTest::qWait(400);  // five ticks at this speed
        QCOMPARE(int(progressed.count()), emitted);
        QCOMPARE(replayer.shownEvaluations(), shown);
        QCOMPARE(lossPoints(board), int(shown));
        replayer.play();
        QTRY_VERIFY_WITH_TIMEOUT(replayer.shownEvaluations() > shown, 5000);
    }

    void seekShowsExactlyTheStepsUpToIt()
    {
        ChartBoard board;
        RunReplayer replayer(&board);
        QSignalSpy rewound(&replayer, &RunReplayer::rewound);
        replayer.open(m_log);
        replayer.seekToStep(450);  // forward: evaluations 0…400, "memorised" at 200
        QCOMPARE(replayer.positionStep(), 450L);
        QCOMPARE(replayer.shownEvaluations(), size_t(5));
        QCOMPARE(replayer.shownEvents(), size_t(1));
        QCOMPARE(lossPoints(board), 5);
        QCOMPARE(rewound.count(), 0);
        replayer.seekToStep(kGrokStep);  // the grokking evaluation and its event
        QCOMPARE(replayer.shownEvaluations(), size_t(7));
        QCOMPARE(replayer.shownEvents(), size_t(2));
        QCOMPARE(rewound.count(), 0);
        replayer.seekToStep(250);  // backward: redrawn from the start
        QCOMPARE(rewound.count(), 1);
        QCOMPARE(replayer.shownEvaluations(), size_t(3));
        QCOMPARE(replayer.shownEvents(), size_t(1));
        QCOMPARE(lossPoints(board), 3);
        replayer.seekToStep(-5);  // before the first evaluation: nothing
        QCOMPARE(replayer.shownEvaluations(), size_t(0));
        QCOMPARE(lossPoints(board), 0);
        replayer.seekToStep(1 << 20);  // past the end: all of it
        QCOMPARE(replayer.positionStep(), kLastStep);
        QCOMPARE(replayer.shownEvents(), size_t(3));
        QVERIFY(replayer.isAtEnd());
    }

    void speedChangesTheInterval()
    {
        ChartBoard board;
        RunReplayer replayer(&board);
        replayer.setSpeed(0.25);
        QCOMPARE(replayer.tickIntervalMs(), 160);  // 6.25 evaluations a second, one a tick
        QCOMPARE(replayer.evaluationsPerSecond(), 6.25);
        replayer.setSpeed(1.0);
        QCOMPARE(replayer.tickIntervalMs(), 40);
        replayer.setSpeed(16.0);
        QCOMPARE(replayer.tickIntervalMs(), RunReplayer::kMinTickMs);  // 16 a tick
        QCOMPARE(replayer.evaluationsPerSecond(), 400.0);
        replayer.setSpeed(100.0);
        QCOMPARE(replayer.speed(), RunReplayer::kMaxSpeed);
        replayer.setSpeed(0.0);
        QCOMPARE(replayer.speed(), RunReplayer::kMinSpeed);

        // Measured on a longer run: 4× shows many times what 0.25× shows in the same time
        // (16× in theory; a loaded machine delays ticks, not evaluations per tick).
        RunLog longRun = m_log;
        longRun.events.clear();
        longRun.evaluations.clear();
        for (long step = 0; step < 100000; step += 100) {
            grokscope::EvalSnapshot s = m_log.evaluations.front();
            s.step = step;
            longRun.evaluations.push_back(s);
        }
        auto shownIn = [&](double speed) {
            replayer.open(longRun);
            replayer.setSpeed(speed);
            replayer.play();
            QTest::qWait(800);
            replayer.pause();
            return replayer.shownEvaluations();
        };
        const size_t slow = shownIn(0.25), fast = shownIn(4.0);
        QVERIFY2(slow >= 1 && slow <= 7, qPrintable(QString::number(slow)));  // 5 at 6.25 a second
        QVERIFY2(fast >= 4 * slow, qPrintable(QStringLiteral("%1 vs %2").arg(fast).arg(slow)));
    }

    void replayBarDrivesTheReplayer()
    {
        ChartBoard board;
        RunReplayer replayer(&board);
        ReplayBar bar(&replayer);
        bar.show();
        QVERIFY(bar.isHidden());  // nothing to replay
        replayer.open(m_log);
        QVERIFY(!bar.isHidden());
        QCOMPARE(bar.seekSlider()->maximum(), int(kLastStep));
        QTest::mouseClick(bar.playButton(), Qt::LeftButton);
        QVERIFY(replayer.isPlaying());
        QTest::mouseClick(bar.playButton(), Qt::LeftButton);
        QVERIFY(!replayer.isPlaying());
        bar.speedBox()->setCurrentIndex(bar.speedBox()->findData(4.0));
        QCOMPARE(replayer.speed(), 4.0);
        bar.seekSlider()->setSliderPosition(300);
        bar.seekSlider()->triggerAction(QAbstractSlider::SliderMove);
        QCOMPARE(replayer.positionStep(), 300L);
        QCOMPARE(replayer.shownEvaluations(), size_t(4));
        QCOMPARE(bar.stepLabel()->text(), QStringLiteral("step %1 / %2").arg(QLocale().toString(300), QLocale().toString(1000)));
        bar.seekSlider()->triggerAction(QAbstractSlider::SliderToMaximum);
        QCOMPARE(replayer.positionStep(), kLastStep);
        replayer.stop();
        QVERIFY(bar.isHidden());
        bar.setVisible(true);  // as restoreState or the toolbar menu would
        QVERIFY(bar.isHidden());
    }

    // MainWindow lists an event when playback reaches it, and again after a backward seek.
    void eventListFollowsPlayback()
    {
        MainWindow window;
        window.show();
        QCOMPARE(window.loadRun(m_run, ReplayMode::Animated), QString());
        RunReplayer* replayer = window.replayer();
        replayer->pause();
        QVERIFY(window.replayBar()->isVisible());
        QCOMPARE(eventRows(window.eventList()), int(replayer->shownEvents()));
        replayer->seekToStep(100);
        QCOMPARE(eventRows(window.eventList()), 0);
        replayer->seekToStep(650);
        QCOMPARE(eventRows(window.eventList()), 2);
        QVERIFY(window.eventList()->item(1)->text().contains(QStringLiteral("grokked")));
        replayer->seekToStep(250);
        QCOMPARE(eventRows(window.eventList()), 1);
        QVERIFY(window.eventList()->item(0)->text().contains(QStringLiteral("memorised")));
        replayer->seekToStep(kLastStep);
        QCOMPARE(eventRows(window.eventList()), 3);
        // Opened at once, the run lists every event; the replay bar goes.
        QCOMPARE(window.loadRun(m_run, ReplayMode::Instant), QString());
        QVERIFY(!window.replayBar()->isVisible());
        QCOMPARE(eventRows(window.eventList()), 3);
    }
};

QTEST_MAIN(TestRunReplayer)
#include "tst_run_replayer.moc"
