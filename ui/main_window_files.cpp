// MainWindow's saved runs and files: opening, replaying and overlaying a saved run,
// continuing one, dropping run folders on the window, and exporting the charts and the
// run log. The window's construction and the live session's wiring are in
// main_window.cpp; following an experiment directory in main_window_experiment.cpp.
#include "main_window.h"

#include "chart_board.h"
#include "chart_exporter.h"
#include "config_editor.h"
#include "export_settings.h"
#include "export_settings_dialog.h"
#include "experiment_monitor.h"
#include "message_text.h"
#include "priority_shortcut.h"
#include "replay_bar.h"
#include "run_list.h"
#include "run_log_exporter.h"
#include "run_replayer.h"
#include "training_session.h"

#include "io/input_file.h"
#include "io/run_log.h"

#include "qcustomplot_include.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QMenu>
#include <QMimeData>
#include <QRegularExpression>
#include <QStatusBar>
#include <QUrl>

#include <algorithm>
#include <climits>
#include <exception>

namespace grokscope::ui {

namespace {

// A saved log lists at most this many events, the first and the last half: a list row
// costs a text layout, and a 1,000,000-line events.jsonl would take minutes to show.
constexpr size_t kMaxListedEvents = 1000;
constexpr size_t kMaxListedWarnings = 100;

bool isRunDirectory(const QString& path)
{
    return QFileInfo(QDir(path).filePath(QString::fromLatin1(runlog::kConfig))).isFile();
}

bool isExperimentDirectory(const QString& path)
{
    return QFileInfo(QDir(path).filePath(QStringLiteral("spec.json"))).isFile();
}

int asInt(size_t n) { return static_cast<int>(std::min<size_t>(n, INT_MAX)); }

// The log's warnings (a partial last line dropped after a kill): listed below the
// events of an opened run, above those of a replay.
QStringList warningRows(const RunLog& log)
{
    QStringList rows;
    for (size_t i = 0; i < std::min(log.warnings.size(), kMaxListedWarnings); ++i)
        rows << MainWindow::tr("warning: %1").arg(oneLine(log.warnings[i]));
    if (log.warnings.size() > kMaxListedWarnings)
        rows << MainWindow::tr("… %n more warning(s)", nullptr, asInt(log.warnings.size() - kMaxListedWarnings));
    return rows;
}

// A file name from a chart's title: "Loss (log)" → "loss-log-".
QString fileStem(const QString& title)
{
    QString stem = title.toLower();
    stem.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
    return stem;
}

// The reader's errors name the file and the problem; anything else that escapes it (a
// JSON value of the wrong type, memory) gets the directory in front.
QString readingError(const QString& directory, const std::exception& error)
{
    const bool namesFile =
        dynamic_cast<const RunLogError*>(&error) != nullptr || dynamic_cast<const InputError*>(&error) != nullptr;
    const QString what = oneLine(std::string(error.what()));
    return namesFile ? what : oneLine(QDir::toNativeSeparators(directory) + QStringLiteral(": ") + what);
}

}  // namespace

QString MainWindow::loadRun(const QString& directory, ReplayMode mode)
{
    if (m_state == SessionState::Running || m_state == SessionState::Paused)
        return tr("Stop the current run before opening another");
    try {
        const RunLog log = readRunLog(directory.toStdString());
        m_replayer->stop();
        m_config->showConfig(log.config);
        m_replaying = true;
        m_currentRun = directory;
        m_runLabel->setText(tr("replay: %1").arg(QDir::toNativeSeparators(directory)));
        const long last = log.evaluations.empty() ? 0 : log.evaluations.back().step;
        m_stepLabel->setText(tr("step %1 / %2").arg(last).arg(log.config.run.steps));
        m_phaseLabel->setText(log.firstEvent("grokked") ? tr("phase: grokked") : QString());
        m_lastFolder = QFileInfo(directory).absolutePath();
        if (mode == ReplayMode::Animated) {
            // The events, and the phase they set, come as playback reaches them
            // (listReplayedEvents); the step label follows RunReplayer::progressed.
            m_phaseLabel->clear();
            m_events->clear();
            m_events->addItems(warningRows(log));
            m_board->clearAll();  // as Open does; overlays added later survive the replay's seeks
            m_replayer->open(log);
            m_replayer->play();
        } else {
            m_board->showRun(log);
            listSavedEvents(log);
        }
        return QString();
    } catch (const std::exception& error) {
        return readingError(directory, error);
    }
}

bool MainWindow::openRun(const QString& directory, ReplayMode mode)
{
    const QString error = loadRun(directory, mode);
    if (!error.isEmpty())
        showError(tr("Cannot open %1: %2").arg(QDir::toNativeSeparators(directory), error));
    return error.isEmpty();
}

void MainWindow::listSavedEvents(const RunLog& log)
{
    m_events->clear();
    const size_t count = log.events.size();
    const size_t head = std::min(count, kMaxListedEvents / 2);
    const size_t tailStart = std::max(head, count > kMaxListedEvents / 2 ? count - kMaxListedEvents / 2 : 0);
    QStringList rows;
    for (size_t i = 0; i < head; ++i)
        rows << eventRow(0, log.events[i]);
    if (tailStart > head)
        rows << tr("… %n more event(s) not listed (see %1)", nullptr, asInt(tailStart - head))
                    .arg(QString::fromLatin1(runlog::kEvents));
    for (size_t i = tailStart; i < count; ++i)
        rows << eventRow(0, log.events[i]);
    rows << warningRows(log);
    m_events->addItems(rows);  // one insertion: one layout of the list
}

void MainWindow::addReplayBar()
{
    m_replayBar = new ReplayBar(m_replayer, this);
    addToolBar(Qt::BottomToolBarArea, m_replayBar);
    connect(m_replayer, &RunReplayer::eventsReached, this, &MainWindow::listReplayedEvents);
    connect(m_replayer, &RunReplayer::rewound, this, [this] {
        m_events->clear();
        m_events->addItems(warningRows(*m_replayer->log()));
        m_phaseLabel->clear();
    });
}

void MainWindow::listReplayedEvents(qsizetype first, qsizetype last)
{
    // The warnings stay on top; of the events reached, the latest kMaxListedEvents.
    const std::vector<RunEvent>& events = m_replayer->log()->events;
    const int keptAbove = int(warningRows(*m_replayer->log()).size());
    first = std::max(first, last - qsizetype(kMaxListedEvents));
    QStringList rows;
    for (qsizetype i = first; i < last; ++i) {
        rows << eventRow(0, events[size_t(i)]);
        if (events[size_t(i)].type == "grokked")
            m_phaseLabel->setText(tr("phase: grokked"));
    }
    m_events->addItems(rows);
    while (m_events->count() > keptAbove + int(kMaxListedEvents))
        delete m_events->takeItem(keptAbove);
    m_events->scrollToBottom();
}

QString MainWindow::loadOverlay(const QString& directory)
{
    try {
        const RunLog log = readRunLog(directory.toStdString());
        const int id = m_board->addOverlay(log);
        // Its phases join the event list under its name; its interventions stay in its log.
        QStringList rows;
        for (const RunEvent& event : log.events)
            if (event.type != "intervention" && rows.size() < int(kMaxListedEvents))
                rows << eventRow(m_board->runs()->find(id)->name, event);
        m_events->addItems(rows);
        m_lastFolder = QFileInfo(directory).absolutePath();
        return QString();
    } catch (const std::exception& error) {
        return readingError(directory, error);
    }
}

bool MainWindow::overlayRun(const QString& directory)
{
    const QString error = loadOverlay(directory);
    if (!error.isEmpty())
        showError(tr("Cannot overlay %1: %2").arg(QDir::toNativeSeparators(directory), error));
    return error.isEmpty();
}

QString MainWindow::askRunDirectory(const QString& title)
{
    const QString start = m_lastFolder.isEmpty() ? m_runsDirectory : m_lastFolder;
    const QString dir = QFileDialog::getExistingDirectory(this, title, start);
    if (!dir.isEmpty() && !isRunDirectory(dir)) {
        showError(tr("%1 is not a run directory (it has no %2)").arg(dir, QString::fromLatin1(runlog::kConfig)));
        return QString();
    }
    return dir;
}

void MainWindow::addExportActions(QMenu* file)
{
    m_exportAllAction = file->addAction(tr("Export &all charts…"), QKeySequence(Qt::CTRL | Qt::Key_E), this,
                                        &MainWindow::exportAllInteractively);
    m_exportAllAction->setObjectName(QStringLiteral("exportAllAction"));
    PriorityShortcut::install(m_exportAllAction, this);  // even while a text field has focus
    file->addAction(tr("Export se&ttings…"), this, &MainWindow::editExportSettings);
}

void MainWindow::editExportSettings()
{
    ExportSettingsDialog dialog(ExportSettings::load(), this);
    if (dialog.exec() == QDialog::Accepted)
        dialog.settings().save();
}

QString MainWindow::askExportPath(const QString& title, const QString& stem)
{
    // The settings' format is suggested; a name without a suffix gets the chosen
    // filter's, and a suffix the user types wins.
    const QString format = ExportSettings::load().format;
    const QString folder = m_lastFolder.isEmpty() ? m_runsDirectory : m_lastFolder;
    QFileDialog dialog(this, title, QDir(folder).filePath(stem + QLatin1Char('.') + format),
                       ChartExporter::fileFilter());
    dialog.setObjectName(QStringLiteral("exportFileDialog"));
    dialog.setAcceptMode(QFileDialog::AcceptSave);
    dialog.setDefaultSuffix(format);
    dialog.selectNameFilter(ChartExporter::fileFilterFor(format));
    connect(&dialog, &QFileDialog::filterSelected, &dialog, [&dialog](const QString& filter) {
        for (const QString& candidate : ChartExporter::formats())
            if (ChartExporter::fileFilterFor(candidate) == filter)
                dialog.setDefaultSuffix(candidate);
    });
    if (dialog.exec() != QDialog::Accepted || dialog.selectedFiles().isEmpty())
        return QString();
    const QString path = dialog.selectedFiles().constFirst();
    m_lastFolder = QFileInfo(path).absolutePath();
    return path;
}

void MainWindow::reportExport(const QString& path, const QString& error)
{
    if (!error.isEmpty()) {
        showError(tr("Export failed: %1").arg(error));
        return;
    }
    const ExportSettings settings = ExportSettings::load();
    statusBar()->showMessage(tr("Wrote %1 (each chart %2)").arg(QDir::toNativeSeparators(path), settings.describe()),
                             10000);
}

void MainWindow::exportChartInteractively(const QString& title, QCustomPlot* plot)
{
    const QString path = askExportPath(tr("Export %1").arg(title), fileStem(title));
    if (path.isEmpty())
        return;
    m_board->refreshNow();
    reportExport(path, ChartExporter::exportChart(plot, path, ExportSettings::load()));
}

QString MainWindow::exportAllCharts(const QString& path)
{
    m_board->refreshNow();
    return ChartExporter::exportAll(m_board->figures(), path, ExportSettings::load());
}

void MainWindow::exportAllInteractively()
{
    const QString path = askExportPath(tr("Export all charts"), QStringLiteral("grokscope"));
    if (!path.isEmpty())
        reportExport(path, exportAllCharts(path));
}

void MainWindow::exportRunLogInteractively()
{
    if (m_currentRun.isEmpty()) {
        showError(tr("No run to export: start a run or open a saved one"));
        return;
    }
    const QString target = QFileDialog::getExistingDirectory(this, tr("Export the run log to folder"), m_lastFolder);
    if (target.isEmpty())
        return;
    try {
        const QStringList files = RunLogExporter::exportRun(m_currentRun, target);
        statusBar()->showMessage(tr("Wrote %n file(s) to %1", nullptr, files.size()).arg(target), 5000);
    } catch (const std::exception& error) {
        showError(QString::fromStdString(error.what()));
    }
}

void MainWindow::chooseRunsDirectory()
{
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Folder for new runs"), m_runsDirectory);
    if (dir.isEmpty())
        return;
    setRunsDirectory(dir);
    QSettings().setValue(QStringLiteral("runsDirectory"), m_runsDirectory);
}

void MainWindow::resumeSavedInteractively()
{
    if (m_state == SessionState::Running || m_state == SessionState::Paused) {
        showError(tr("Stop the current run first"));
        return;
    }
    const QString dir = askRunDirectory(tr("Continue a saved run"));
    if (dir.isEmpty() || !openRun(dir))  // the charts show the log so far
        return;
    m_replaying = false;
    m_session->resumeSaved(dir);
}

bool MainWindow::saveScreenshot(const QString& path)
{
    m_board->refreshNow();
    for (const auto& figure : m_board->figures())
        figure.second->replot(QCustomPlot::rpImmediateRefresh);
    const QPixmap pixmap = grab();
    return pixmap.save(path, "PNG");
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (!event->mimeData()->hasUrls())
        return;
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile() && (isRunDirectory(url.toLocalFile()) || isExperimentDirectory(url.toLocalFile()))) {
            event->acceptProposedAction();
            return;
        }
}

void MainWindow::dropEvent(QDropEvent* event)
{
    // The first run directory is played back; any further ones are overlaid on it. An
    // experiment directory is followed.
    bool first = true;
    for (const QUrl& url : event->mimeData()->urls()) {
        if (url.isLocalFile() && isExperimentDirectory(url.toLocalFile())) {
            if (const QString error = openExperiment(url.toLocalFile()); !error.isEmpty())
                showError(error);
            continue;
        }
        if (!url.isLocalFile() || !isRunDirectory(url.toLocalFile()))
            continue;
        if (first)
            openRun(url.toLocalFile(), ReplayMode::Animated);
        else
            overlayRun(url.toLocalFile());
        first = false;
    }
    event->acceptProposedAction();
}
}  // namespace grokscope::ui
