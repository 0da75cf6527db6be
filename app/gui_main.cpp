// grokscope: the desktop explorer. Argument parsing and wiring only; the window
// and its panels live in ui/.
//
//   grokscope [--preset NAME] [--set key=value]... [--steps N] [--autostart]
//             [--open RUN_DIR] [--overlay RUN_DIR]... [--open-experiment DIR] [DIR]...
//             [--runs-dir DIR] [--dark]
//             [--log-step] [--smooth] [--stall-report] [--size WxH]
//             [--screenshot FILE.png] [--export-charts FILE.{png,svg,pdf}] [--quit]

#include "chart_board.h"
#include "config/build_info.h"
#include "config_editor.h"
#include "experiment_monitor.h"
#include "main_window.h"
#include "message_text.h"
#include "stall_monitor.h"
#include "training_session.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QFileInfo>
#include <QIcon>
#include <QTimer>

#include <cstdio>
#include <cstring>
#include <memory>

using namespace grokscope::ui;

namespace {

void nameApplication()
{
    QCoreApplication::setApplicationName(QStringLiteral("grokscope"));
    QCoreApplication::setOrganizationName(QStringLiteral("GrokScope"));
    QCoreApplication::setApplicationVersion(QString::fromLatin1(grokscope::grokscopeVersion()));
}

// --help and --version print and exit; they must work without a display (a terminal
// over ssh, a packaging check), where a QApplication cannot start.
bool onlyPrints(int argc, char* argv[])
{
    for (int i = 1; i < argc; ++i)
        for (const char* flag : {"--help", "-h", "--help-all", "--version", "-v"})
            if (std::strcmp(argv[i], flag) == 0)
                return true;
    return false;
}

}  // namespace

int main(int argc, char* argv[])
{
    std::unique_ptr<QCoreApplication> application;
    if (onlyPrints(argc, argv))
        application = std::make_unique<QCoreApplication>(argc, argv);
    else
        application = std::make_unique<QApplication>(argc, argv);
    nameApplication();

    QCommandLineParser parser;
    parser.setApplicationDescription(
        QApplication::translate("main", "Watch spectral entropy collapse before grokking, live."));
    parser.addHelpOption();
    parser.addVersionOption();
    const QCommandLineOption preset(QStringLiteral("preset"), QApplication::translate("main", "Preset to load."),
                                    QStringLiteral("name"));
    const QCommandLineOption set(QStringLiteral("set"),
                                 QApplication::translate("main", "Override one config key (repeatable)."),
                                 QStringLiteral("key=value"));
    const QCommandLineOption steps(QStringLiteral("steps"), QApplication::translate("main", "Steps to train (run.steps)."),
                                   QStringLiteral("n"));
    const QCommandLineOption autostart(QStringLiteral("autostart"), QApplication::translate("main", "Start training at once."));
    const QCommandLineOption open(QStringLiteral("open"), QApplication::translate("main", "Replay a saved run."),
                                  QStringLiteral("dir"));
    const QCommandLineOption overlay(QStringLiteral("overlay"),
                                     QApplication::translate("main", "Overlay a saved run (repeatable)."), QStringLiteral("dir"));
    const QCommandLineOption openExperiment(QStringLiteral("open-experiment"),
                                            QApplication::translate("main", "Follow an experiment directory."),
                                            QStringLiteral("dir"));
    const QCommandLineOption runsDir(QStringLiteral("runs-dir"),
                                     QApplication::translate("main", "Folder that new runs are written to."),
                                     QStringLiteral("dir"));
    const QCommandLineOption dark(QStringLiteral("dark"), QApplication::translate("main", "Use the dark palette."));
    const QCommandLineOption light(QStringLiteral("light"), QApplication::translate("main", "Use the light palette."));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        QApplication::translate("main", "Save the window as PNG when the run ends."),
                                        QStringLiteral("file"));
    const QCommandLineOption exportCharts(QStringLiteral("export-charts"),
                                          QApplication::translate("main", "Export all charts when the run ends."),
                                          QStringLiteral("file"));
    const QCommandLineOption quit(QStringLiteral("quit"), QApplication::translate("main", "Quit after the screenshot/export."));
    const QCommandLineOption size(QStringLiteral("size"), QApplication::translate("main", "Window size, e.g. 1600x1000."),
                                  QStringLiteral("WxH"));
    const QCommandLineOption logStep(QStringLiteral("log-step"), QApplication::translate("main", "Logarithmic step axis."));
    const QCommandLineOption smooth(QStringLiteral("smooth"), QApplication::translate("main", "Show smoothed curves."));
    const QCommandLineOption stall(QStringLiteral("stall-report"),
                                   QApplication::translate("main", "Print the longest event-loop stall on exit."));
    parser.addOptions({preset, set, steps, autostart, open, overlay, openExperiment, runsDir, dark, light, screenshot,
                       exportCharts, quit, size, stall, logStep, smooth});
    parser.addPositionalArgument(
        QStringLiteral("dir"),
        QApplication::translate("main", "Run or experiment folders to open (a file manager passes them): the first run "
                                        "is opened, further runs are overlaid, an experiment folder is followed."),
        QStringLiteral("[dir...]"));
    parser.process(*application);  // --help and --version exit here

    QApplication::setApplicationDisplayName(QStringLiteral("GrokScope"));
    QApplication::setWindowIcon(QIcon(QStringLiteral(":/icons/grokscope.svg")));
    // Folders named without an option: an experiment (it has a spec.json) is followed,
    // the first run opened (unless --open names one) and the others overlaid.
    QString openedRun = parser.value(open), followedExperiment = parser.value(openExperiment);
    QStringList overlaidRuns = parser.values(overlay);
    for (const QString& folder : parser.positionalArguments()) {
        if (QFileInfo::exists(QDir(folder).filePath(QStringLiteral("spec.json"))) && followedExperiment.isEmpty())
            followedExperiment = folder;
        else if (openedRun.isEmpty())
            openedRun = folder;
        else
            overlaidRuns << folder;
    }

    MainWindow window;
    if (parser.isSet(runsDir))
        window.setRunsDirectory(parser.value(runsDir));
    if (parser.isSet(dark))
        window.setTheme(Theme::Dark);
    if (parser.isSet(light))
        window.setTheme(Theme::Light);
    if (parser.isSet(preset) && !window.configEditor()->selectPreset(parser.value(preset))) {
        std::fprintf(stderr, "grokscope: unknown preset \"%s\"\n", qPrintable(parser.value(preset)));
        return 2;
    }
    for (const QString& assignment : parser.values(set)) {
        const int equals = assignment.indexOf(QLatin1Char('='));
        if (equals <= 0) {
            std::fprintf(stderr, "grokscope: --set expects key=value, got \"%s\"\n", qPrintable(assignment));
            return 2;
        }
        window.configEditor()->setValue(assignment.left(equals), assignment.mid(equals + 1));
    }
    if (parser.isSet(steps))
        window.configEditor()->setValue(QStringLiteral("run.steps"), parser.value(steps));
    if (!window.configEditor()->isValid()) {
        std::fprintf(stderr, "grokscope: %s\n", qPrintable(window.configEditor()->errorMessage()));
        return 2;
    }
    if (parser.isSet(logStep))
        window.board()->setStepAxisLog(true);
    if (parser.isSet(smooth))
        window.board()->setSmoothing(true);
    const bool batch = parser.isSet(quit);
    window.setProperty("batch", batch);
    if (parser.isSet(size) || parser.isSet(screenshot)) {
        const QStringList parts = parser.value(size).split(QLatin1Char('x'));
        const int w = parts.size() == 2 ? parts[0].toInt() : 1600;
        const int h = parts.size() == 2 ? parts[1].toInt() : 1000;
        window.resize(w > 0 ? w : 1600, h > 0 ? h : 1000);
    }
    // A saved run named on the command line that cannot be read ends the program the
    // way the CLI does (exit 3, one line naming the file and the problem), before a
    // window appears.
    auto refuseRun = [](const QString& error) {
        std::fprintf(stderr, "error: %s\n", qPrintable(error));
        return 3;
    };
    if (!openedRun.isEmpty()) {  // first: showing a run clears the charts, overlays too
        const QString error = window.loadRun(openedRun);
        if (!error.isEmpty())
            return refuseRun(error);
    }
    for (const QString& dir : overlaidRuns) {
        const QString error = window.loadOverlay(dir);
        if (!error.isEmpty())
            return refuseRun(error);
    }
    if (!followedExperiment.isEmpty()) {  // not an experiment directory: bad input, exit 2
        const QString error = window.openExperiment(followedExperiment);
        if (!error.isEmpty()) {
            std::fprintf(stderr, "error: %s\n", qPrintable(error));
            return 2;
        }
    }
    window.show();

    // Measured while training only: start-up and the final join are not interaction.
    StallMonitor monitor;
    if (parser.isSet(stall))
        QObject::connect(&window, &MainWindow::sessionStateChanged, &monitor, [&monitor](SessionState state) {
            if (state == SessionState::Running && !monitor.isActive())
                monitor.start();
            else if (state == SessionState::Finished)
                monitor.stop();
        });

    int exitCode = 0;
    // What to do once there is something to show: the run has ended, or a saved run was opened.
    auto finish = [&] {
        if (parser.isSet(screenshot) && !window.saveScreenshot(parser.value(screenshot))) {
            std::fprintf(stderr, "grokscope: could not write %s\n", qPrintable(parser.value(screenshot)));
            exitCode = 1;
        }
        if (parser.isSet(exportCharts)) {
            const QString error = window.exportAllCharts(parser.value(exportCharts));
            if (!error.isEmpty()) {
                std::fprintf(stderr, "grokscope: %s\n", qPrintable(error));
                exitCode = 1;
            }
        }
        if (batch)
            window.close();
    };
    const bool waitsForRun = parser.isSet(autostart);
    if (waitsForRun) {
        QObject::connect(&window, &MainWindow::sessionStateChanged, &window, [&](SessionState state) {
            if (state == SessionState::Finished)
                QTimer::singleShot(200, &window, finish);
        });
        // The worker reports a failed run once and ends it, so the run still finishes.
        QObject::connect(window.session(), &TrainingSession::failed, &window, [&](const QString& message) {
            std::fprintf(stderr, "error: %s\n", qPrintable(oneLine(message)));
            exitCode = 1;
        });
        QTimer::singleShot(0, &window, [&] {
            if (!window.startRun() && batch) {
                exitCode = 1;
                window.close();
            }
        });
    } else if (!followedExperiment.isEmpty() && (parser.isSet(screenshot) || parser.isSet(exportCharts))) {
        // The experiment's rows come from a worker thread: wait for the first reading.
        QObject::connect(window.experimentMonitor(), &ExperimentMonitor::refreshed, &window,
                         [&] { QTimer::singleShot(200, &window, finish); }, Qt::SingleShotConnection);
    } else if (parser.isSet(screenshot) || parser.isSet(exportCharts)) {
        QTimer::singleShot(500, &window, finish);
    }
    const int code = QApplication::exec();
    if (parser.isSet(stall))
        std::fprintf(stderr, "event loop: %ld ticks, longest stall %.1f ms, stalls > 50 ms: %d; chart refreshes %d, "
                             "longest %.1f ms; longest replot %.1f ms\n",
                     monitor.ticks(), monitor.maxStallMs(), monitor.stallsOver(50.0), window.board()->refreshCount(),
                     window.board()->maxRefreshMs(), window.board()->maxReplotMs());
    return exitCode != 0 ? exitCode : code;
}
