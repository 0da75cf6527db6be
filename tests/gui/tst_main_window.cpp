// The main window drives a real run: start, advance, intervene, pause/resume,
// export, and close mid-run with the worker stopped.
#include "chart_board.h"
#include "chart_panel.h"
#include "config_editor.h"
#include "intervention_panel.h"
#include "main_window.h"
#include "run_controls.h"
#include "run_log_exporter.h"
#include "run_replayer.h"
#include "training_session.h"
#include "run_list.h"
#include "io/run_log.h"
#include "qcustomplot_include.h"
#include "metrics/forecast.h"

#include "../known_run_log.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QLocale>
#include <QMimeData>
#include <QUrl>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QSvgRenderer>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

using namespace grokscope::ui;

namespace {

QByteArray readAll(const QString& path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// Follows the main arm's step as the status reports it. Progress reports are
// throttled, so `step` can lag; the worker sends a fresh report right after each
// state change, which `reportsSinceState` lets a test wait for.
struct StepTracker {
    long step = 0;
    SessionState state = SessionState::Idle;
    int reportsSinceState = 0;
    explicit StepTracker(MainWindow& window)
    {
        QObject::connect(window.session(), &TrainingSession::progressed, window.session(),
                         [this](const SessionProgress& p) {
                             if (p.arm == 0) {
                                 step = p.step;
                                 ++reportsSinceState;
                             }
                         });
        QObject::connect(&window, &MainWindow::sessionStateChanged, &window, [this](SessionState s) {
            state = s;
            reportsSinceState = 0;
        });
    }
};

}  // namespace

class TestMainWindow : public QObject {
    Q_OBJECT
private:
    QTemporaryDir m_runs;
    QString m_savedRun;  // a finished run from the first test, for replay

    void prepare(MainWindow& window, const QString& steps)
    {
        window.setRunsDirectory(m_runs.path());
        QVERIFY(window.configEditor()->selectPreset(QStringLiteral("z23-quick")));
        window.configEditor()->setValue(QStringLiteral("run.steps"), steps);
        QVERIFY(window.configEditor()->isValid());
        window.resize(1400, 900);
        window.show();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QCoreApplication::setOrganizationName(QStringLiteral("GrokScopeTest"));
        QCoreApplication::setApplicationName(QStringLiteral("tst_main_window"));
        QVERIFY(m_runs.isValid());
    }

    void startInterveneAndLog()
    {
        MainWindow window;
        prepare(window, QStringLiteral("100000"));
        StepTracker tracker(window);
        QVERIFY(window.startRun());
        QTRY_VERIFY_WITH_TIMEOUT(tracker.state == SessionState::Running, 20000);
        QTRY_VERIFY_WITH_TIMEOUT(tracker.step >= 200, 60000);
        const QString runDir = window.currentRunDirectory();
        QVERIFY(QFile::exists(QDir(runDir).filePath(QStringLiteral("config.json"))));

        QSignalSpy events(&window, &MainWindow::eventLogged);
        const int markersBefore = window.board()->markerCount();
        QCheckBox* mixing = window.interventions()->mixingToggle();
        QVERIFY(mixing->isEnabled());
        QTest::mouseClick(mixing, Qt::LeftButton, {}, QPoint(8, mixing->height() / 2));
        QVERIFY(mixing->isChecked());
        // Wait for the intervention itself: z23-quick memorises and groks within the
        // first few hundred steps, so phase events can arrive before it.
        auto sawIntervention = [&] {
            for (const auto& args : events)
                if (args.at(1).toString() == QStringLiteral("intervention"))
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(sawIntervention(), 10000);
        // At least the mixing marker: a phase event (memorisation) may land in the same moment.
        QVERIFY(window.board()->markerCount() >= markersBefore + 1);
        QVERIFY(window.board()->chartPanels().front()->markerLabels().join(QLatin1Char('|')).contains(QStringLiteral("mixing on")));
        QTRY_VERIFY_WITH_TIMEOUT(readAll(QDir(runDir).filePath(QStringLiteral("events.jsonl"))).contains("\"intervention\""), 5000);
        QVERIFY(readAll(QDir(runDir).filePath(QStringLiteral("events.jsonl"))).contains("\"mixing\""));
        {
            // The panel's settings reached the trainer whole: the logged event carries them.
            const grokscope::MixingSettings shown = window.interventions()->mixingSettings();
            const grokscope::RunLog soFar = grokscope::readRunLog(runDir.toStdString());
            const grokscope::RunEvent* on = soFar.firstEvent("intervention");
            QVERIFY(on && on->labels.at("kind") == "mixing" && shown.enabled);
            QCOMPARE(on->values.at("alpha"), shown.alpha);
            QCOMPARE(on->labels.at("site"), std::string(grokscope::mixingSiteName(shown.site)));
        }
        QVERIFY(window.eventList()->count() > 0);

        // The entropy floor: a second lever, its own event and marker.
        QCheckBox* floor = window.interventions()->entropyFloorToggle();
        QVERIFY(floor->isEnabled());
        QTest::mouseClick(floor, Qt::LeftButton, {}, QPoint(8, floor->height() / 2));
        QVERIFY(floor->isChecked());
        QTRY_VERIFY_WITH_TIMEOUT(
            window.board()->chartPanels().front()->markerLabels().join(QLatin1Char('|')).contains(QStringLiteral("floor on")),
            10000);
        QTRY_VERIFY_WITH_TIMEOUT(readAll(QDir(runDir).filePath(QStringLiteral("events.jsonl"))).contains("\"entropy_floor\""), 5000);

        // Pause stops the step counter; Resume starts it again.
        window.runControls()->pauseAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(tracker.state == SessionState::Paused && tracker.reportsSinceState > 0, 10000);
        const long pausedAt = tracker.step;
        QTest::qWait(500);
        QCOMPARE(tracker.step, pausedAt);
        QVERIFY(window.runControls()->resumeAction()->isEnabled());
        window.runControls()->stepAction()->trigger();  // 100 steps, then paused again
        QTRY_VERIFY_WITH_TIMEOUT(tracker.step >= pausedAt + 100 && tracker.state == SessionState::Paused, 20000);
        window.runControls()->resumeAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(tracker.state == SessionState::Running, 10000);
        QTRY_VERIFY_WITH_TIMEOUT(tracker.step > pausedAt + 300, 30000);

        // Exports of all charts while training.
        QTemporaryDir out;
        const QString png = out.filePath(QStringLiteral("all.png"));
        const QString svg = out.filePath(QStringLiteral("all.svg"));
        const QString pdf = out.filePath(QStringLiteral("all.pdf"));
        QCOMPARE(window.exportAllCharts(png), QString());
        QCOMPARE(window.exportAllCharts(svg), QString());
        QCOMPARE(window.exportAllCharts(pdf), QString());
        QVERIFY(readAll(png).startsWith("\x89PNG\r\n\x1a\n"));
        QImage image(png);
        QVERIFY(!image.isNull());
        QVERIFY(image.width() >= 1600);
        QSvgRenderer svgRenderer(svg);
        QVERIFY(svgRenderer.isValid());
        QVERIFY(readAll(pdf).startsWith("%PDF-"));

        // Stop writes the final event; the run log exports to CSV + JSON.
        window.runControls()->stopAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(tracker.state == SessionState::Finished, 20000);
        const QStringList files = RunLogExporter::exportRun(runDir, out.filePath(QStringLiteral("log")));
        QVERIFY(files.contains(out.filePath(QStringLiteral("log/metrics.csv"))));
        QVERIFY(readAll(out.filePath(QStringLiteral("log/run.json"))).contains("\"evaluations\""));
        QVERIFY(readAll(QDir(runDir).filePath(QStringLiteral("events.jsonl"))).contains("\"stopped\""));
        const grokscope::RunLog written = grokscope::readRunLog(runDir.toStdString());
        QVERIFY2(written.evaluations.back().entropyFloorActive, "metrics.csv records the floor");

        m_savedRun = runDir;
        // The saved run replays with its markers.
        MainWindow replay;
        QVERIFY(replay.openRun(runDir));
        QVERIFY(replay.board()->markerCount() >= 1);
        QVERIFY(replay.board()->chartPanels().front()->pointCount(0) > 3);
    }

    void mixingVariantReachesTheTrainer()
    {
        // A variant chosen in the panel's folded "Variant" rows travels whole to the
        // trainer: the intervention event in the run log names each of its settings.
        MainWindow window;
        prepare(window, QStringLiteral("100000"));
        StepTracker tracker(window);
        QVERIFY(window.startRun());
        QTRY_VERIFY_WITH_TIMEOUT(tracker.step >= 50, 60000);
        InterventionPanel* panel = window.interventions();
        auto* form = panel->findChild<QComboBox*>(QStringLiteral("mixingForm"));
        auto* partner = panel->findChild<QComboBox*>(QStringLiteral("mixingPartnerGradient"));
        auto* permutation = panel->findChild<QComboBox*>(QStringLiteral("mixingPermutation"));
        auto* probability = panel->findChild<QDoubleSpinBox*>(QStringLiteral("mixingProbability"));
        auto* labels = panel->findChild<QCheckBox*>(QStringLiteral("mixingLabels"));
        auto* atEvaluation = panel->findChild<QCheckBox*>(QStringLiteral("mixingAtEvaluation"));
        QVERIFY(form && partner && permutation && probability && labels && atEvaluation);
        QVERIFY2(!form->isVisibleTo(panel), "the variant is folded while it holds the defaults");
        QCOMPARE(panel->mixingSettings(), grokscope::MixingSettings{});
        QSignalSpy sent(panel, &InterventionPanel::mixingChanged);
        panel->mixingVariantToggle()->click();
        QVERIFY(form->isVisibleTo(panel));
        form->setCurrentIndex(form->findData(int(grokscope::MixingForm::Swap)));
        partner->setCurrentIndex(partner->findData(int(grokscope::MixingPartnerGradient::Detached)));
        permutation->setCurrentIndex(permutation->findData(int(grokscope::MixingPermutation::SameClass)));
        probability->setValue(0.5);
        labels->setChecked(true);
        atEvaluation->setChecked(true);
        QCOMPARE(panel->mixingVariantToggle()->text(), QStringLiteral("Variant (changed)"));
        panel->mixingToggle()->click();
        QCOMPARE(sent.count(), 1);  // the variant's edits while off sent nothing
        const QString runDir = window.currentRunDirectory();
        QTRY_VERIFY_WITH_TIMEOUT(readAll(QDir(runDir).filePath(QStringLiteral("events.jsonl"))).contains("\"mixing\""),
                                 10000);
        const grokscope::RunLog log = grokscope::readRunLog(runDir.toStdString());
        const grokscope::RunEvent* on = log.firstEvent("intervention");
        QVERIFY(on && on->labels.at("kind") == "mixing" && on->labels.at("state") == "on");
        QCOMPARE(on->labels.at("form"), std::string("swap"));
        QCOMPARE(on->labels.at("partner_gradient"), std::string("detached"));
        QCOMPARE(on->labels.at("permutation"), std::string("same_class"));
        QCOMPARE(on->values.at("probability"), 0.5);
        QCOMPARE(on->labels.at("labels"), std::string("mixed"));
        QCOMPARE(on->labels.at("at_evaluation"), std::string("on"));
        // Changing a variant setting while on sends the whole settings again, on Apply.
        permutation->setCurrentIndex(permutation->findData(int(grokscope::MixingPermutation::Derangement)));
        QCOMPARE(sent.count(), 1);
        panel->mixingApplyButton()->click();
        QCOMPARE(sent.count(), 2);
        QCOMPARE(sent.last().at(1).value<grokscope::MixingSettings>().permutation,
                 grokscope::MixingPermutation::Derangement);
        QVERIFY(sent.last().at(1).value<grokscope::MixingSettings>().atEvaluation);
        window.close();
    }

    void leverPanelFitsA1280By800Window()
    {
        // The unfolded variant must not grow the window: the lever panel scrolls inside
        // its dock, so the window's minimum size is the same folded and unfolded, and at
        // 1280 wide the panel fits its scroll area's width (it may scroll vertically).
        MainWindow window;
        window.resize(1280, 800);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QSize folded = window.minimumSizeHint();
        window.interventions()->mixingVariantToggle()->click();
        QCoreApplication::processEvents();
        QCOMPARE(window.minimumSizeHint(), folded);
        QVERIFY2(folded.width() <= 1280, qPrintable(QString("minimum width %1").arg(folded.width())));
        QCOMPARE(window.width(), 1280);
        QScrollArea* scroll = nullptr;
        for (QWidget* w = window.interventions(); w && !scroll; w = w->parentWidget())
            scroll = qobject_cast<QScrollArea*>(w);
        QVERIFY(scroll);
        QTRY_COMPARE(scroll->horizontalScrollBar()->maximum(), 0);
    }

    void theWindowFitsSmallScreens()
    {
        // 1280×720, and 2560×1440 at 200 % (the same 1280×720 logical pixels): the
        // charts scroll below their minimum, so the window's own minimum fits.
        MainWindow window;
        window.resize(1280, 720);
        window.show();
        QVERIFY(QTest::qWaitForWindowExposed(&window));
        const QSize minimum = window.minimumSizeHint();
        QVERIFY2(minimum.width() <= 1280 && minimum.height() <= 720,
                 qPrintable(QString("minimum %1×%2").arg(minimum.width()).arg(minimum.height())));
        QCOMPARE(window.size(), QSize(1280, 720));
        // The config table keeps its value column in view.
        auto* table = window.configEditor()->findChild<QTableWidget*>();
        QVERIFY(table);
        QTRY_VERIFY(table->columnViewportPosition(1) >= 0);
        QVERIFY(table->columnViewportPosition(1) + 40 <= table->viewport()->width());
    }

    void openThenOverlayKeepsBoth()
    {
        // `--open A --overlay B`: the window opens A, then overlays B; both stay.
        QTemporaryDir temp;
        const std::string first = temp.filePath(QStringLiteral("a")).toStdString();
        const std::string second = temp.filePath(QStringLiteral("b")).toStdString();
        writeFinishedRun(first, "z23-quick", 0, 300);
        writeFinishedRun(second, "z23-quick", 1, 500);
        MainWindow window;
        QCOMPARE(window.loadRun(QString::fromStdString(first)), QString());
        QCOMPARE(window.loadOverlay(QString::fromStdString(second)), QString());
        QCOMPARE(window.board()->runs()->count(), 2);
        QCOMPARE(window.board()->overlayCount(), 1);
    }

    void resetLeavesNothingStale()
    {
        // Defect 8: after Reset no run, range, forecast or ticked lever is left over.
        QTemporaryDir temp;
        const std::string run = temp.filePath(QStringLiteral("a")).toStdString();
        writeFinishedRun(run, "z23-quick", 0, 3000);
        MainWindow window;
        QCOMPARE(window.loadRun(QString::fromStdString(run)), QString());
        window.board()->refreshNow();
        ChartPanel* loss = window.board()->chartPanels().front();
        QVERIFY(loss->plot()->xAxis->range().upper > 3000.0);
        window.interventions()->entropyFloorToggle()->setChecked(true);
        window.runControls()->resetAction()->setEnabled(true);
        window.runControls()->resetAction()->trigger();
        window.board()->refreshNow();
        QCOMPARE(window.board()->runs()->count(), 0);
        QCOMPARE(loss->plot()->xAxis->range().upper, 100.0);
        QVERIFY(loss->autoRange());
        QVERIFY(!window.interventions()->entropyFloorToggle()->isChecked());
        QCOMPARE(window.board()->forecastText(), QString());
        QVERIFY(!window.board()->emptyHint()->isHidden());
    }

    void branchAndNormMatch()
    {
        // A finished baseline run gives the norm-matched control its reference.
        MainWindow baseline;
        prepare(baseline, QStringLiteral("300"));
        StepTracker baselineTracker(baseline);
        QVERIFY(baseline.startRun());
        QTRY_VERIFY_WITH_TIMEOUT(baselineTracker.state == SessionState::Finished, 60000);
        const QString reference = baseline.currentRunDirectory();

        MainWindow window;
        prepare(window, QStringLiteral("100000"));
        StepTracker tracker(window);
        QSignalSpy events(&window, &MainWindow::eventLogged);
        QVERIFY(window.startRun());
        QTRY_VERIFY_WITH_TIMEOUT(tracker.step >= 150, 60000);
        window.interventions()->branchButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(window.session()->hasSecondArm(), 20000);
        const QString branchDir = window.session()->directory(1);
        QVERIFY(QFile::exists(QDir(branchDir).filePath(QStringLiteral("config.json"))));
        QTRY_VERIFY_WITH_TIMEOUT(window.board()->chartPanels().front()->seriesCount() >= 4, 10000);

        window.interventions()->setReferenceRun(reference);
        window.interventions()->normMatchToggle()->click();
        auto sawNormMatch = [&] {
            for (const auto& args : events)
                if (args.at(1).toString() == QStringLiteral("intervention")
                    && args.at(2).toString().contains(QStringLiteral("norm matching on")))
                    return true;
            return false;
        };
        QTRY_VERIFY_WITH_TIMEOUT(sawNormMatch(), 20000);
        QTRY_VERIFY_WITH_TIMEOUT(
            readAll(QDir(window.currentRunDirectory()).filePath(QStringLiteral("events.jsonl"))).contains("norm_match"),
            5000);
        QVERIFY(window.board()->chartPanels().front()->markerLabels().join(QLatin1Char('|')).contains(QStringLiteral("norm match on")));

        // The overlay of a saved run adds dotted series.
        const int before = window.board()->chartPanels().front()->seriesCount();
        QVERIFY(window.overlayRun(reference));
        QCOMPARE(window.board()->chartPanels().front()->seriesCount(), before + 2);
        window.close();
        QVERIFY(readAll(QDir(branchDir).filePath(QStringLiteral("events.jsonl"))).contains("\"stopped\""));
    }

    void dropRunDirectoryReplays()
    {
        if (m_savedRun.isEmpty()) {
            // Run alone (or after a failed first test): record a short finished run of our own.
            MainWindow recorder;
            prepare(recorder, QStringLiteral("800"));
            StepTracker tracker(recorder);
            QVERIFY(recorder.startRun());
            QTRY_VERIFY_WITH_TIMEOUT(tracker.state == SessionState::Finished, 60000);
            m_savedRun = recorder.currentRunDirectory();
        }
        MainWindow window;
        window.show();
        QVERIFY(window.configEditor()->selectPreset(QStringLiteral("mlp-z41")));  // differs from the saved run
        QMimeData mime;
        mime.setUrls({QUrl::fromLocalFile(m_savedRun)});
        QDragEnterEvent enter(QPoint(200, 200), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&window, &enter);
        QVERIFY(enter.isAccepted());
        QDropEvent drop(QPointF(200, 200), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
        QApplication::sendEvent(&window, &drop);
        QVERIFY(window.replayer()->isPlaying());
        QTRY_VERIFY_WITH_TIMEOUT(!window.replayer()->isPlaying(), 30000);
        QVERIFY(window.board()->markerCount() >= 1);
        QVERIFY(window.board()->chartPanels().front()->pointCount(0) > 3);
        // The editor shows the replayed run's own config, not the preset chosen before.
        const grokscope::RunLog saved = grokscope::readRunLog(m_savedRun.toStdString());
        QCOMPARE(window.configEditor()->presetName(), QString::fromStdString(saved.config.name));
        QCOMPARE(window.configEditor()->value(QStringLiteral("task.modulus")),
                 QString::number(saved.config.task.modulus));
        QCOMPARE(window.configEditor()->value(QStringLiteral("run.steps")), QString::number(saved.config.run.steps));
        // The live forecast travels with the log: the last one shows after the replay,
        // unless the run grokked (nothing left to forecast) or it is wider than the data
        // supports (core/metrics/forecast.h), which the text says.
        const grokscope::EvalSnapshot* lastForecast = nullptr;
        for (const grokscope::EvalSnapshot& s : saved.evaluations)
            if (s.forecastGrokStep)
                lastForecast = &s;
        QVERIFY2(lastForecast, "the saved run memorised, so it carries forecasts");
        const QString text = window.board()->forecastText();
        if (saved.firstEvent("grokked"))
            QCOMPARE(text, QString());
        else if (grokscope::isInformative(*lastForecast->forecastGrokStep, *lastForecast->forecastHalfWidthSteps))
            QVERIFY2(text.contains(QLocale().toString(*lastForecast->forecastGrokStep, 'f', 0)), qPrintable(text));
        else
            QVERIFY2(text.contains(QStringLiteral("too wide")), qPrintable(text));
    }

    // A failure that would repeat on every step (each checkpoint fails, as on a full
    // disk) is shown once and ends the run; a new run can start.
    void persistentFailureShowsOneError()
    {
        MainWindow window;
        prepare(window, QStringLiteral("100000"));
        window.configEditor()->setValue(QStringLiteral("run.checkpoint_every_steps"), QStringLiteral("20"));
        QVERIFY(window.configEditor()->isValid());
        StepTracker tracker(window);
        QVERIFY(window.startRun());
        QTRY_VERIFY_WITH_TIMEOUT(tracker.state == SessionState::Running, 20000);
        window.runControls()->pauseAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(tracker.state == SessionState::Paused, 20000);
        // Root ignores file modes; a file where the checkpoints go fails every checkpoint.
        const QString checkpoints = QDir(window.currentRunDirectory()).filePath(QStringLiteral("checkpoints"));
        QVERIFY(QDir(checkpoints).removeRecursively());
        QFile blocker(checkpoints);
        QVERIFY(blocker.open(QIODevice::WriteOnly));
        blocker.close();
        window.runControls()->resumeAction()->trigger();
        QTRY_VERIFY_WITH_TIMEOUT(tracker.state == SessionState::Finished, 30000);
        QTest::qWait(1000);
        int errorRows = 0;
        for (int i = 0; i < window.eventList()->count(); ++i)
            errorRows += window.eventList()->item(i)->text().startsWith(QStringLiteral("error: ")) ? 1 : 0;
        QCOMPARE(errorRows, 1);
        QVERIFY(window.runControls()->startAction()->isEnabled());
    }

    void closeMidRun()
    {
        auto* window = new MainWindow;
        prepare(*window, QStringLiteral("100000"));
        StepTracker tracker(*window);
        QVERIFY(window->startRun());
        QTRY_VERIFY_WITH_TIMEOUT(tracker.step >= 100, 60000);
        const QString runDir = window->currentRunDirectory();
        QVERIFY(window->close());
        QVERIFY(window->session()->isShutDown());
        delete window;
        QVERIFY(readAll(QDir(runDir).filePath(QStringLiteral("events.jsonl"))).contains("\"stopped\""));
    }
};

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
