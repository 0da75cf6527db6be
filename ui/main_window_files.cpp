// MainWindow's saved runs and files: opening, replaying and overlaying a saved run,
// continuing one, dropping run folders on the window, following an experiment
// directory, and exporting the charts and the run log. The window's construction and the live session's wiring are in
// main_window.cpp.
#include "main_window.h"

#include "chart_board.h"
#include "chart_exporter.h"
#include "config_editor.h"
#include "experiment_monitor.h"
#include "message_text.h"
#include "run_log_exporter.h"
#include "run_replayer.h"
#include "training_session.h"

#include "io/input_file.h"
#include "io/run_log.h"

#include "qcustomplot_include.h"

#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
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
        if (mode == ReplayMode::Animated)
            m_replayer->play(log, 25);
        else
            m_board->showRun(log);
        m_config->showConfig(log.config);
        listSavedEvents(log);
        m_replaying = true;
        m_currentRun = directory;
        m_runLabel->setText(tr("replay: %1").arg(QDir::toNativeSeparators(directory)));
        const long last = log.evaluations.empty() ? 0 : log.evaluations.back().step;
        m_stepLabel->setText(tr("step %1 / %2").arg(last).arg(log.config.run.steps));
        m_phaseLabel->setText(log.firstEvent("grokked") ? tr("phase: grokked") : QString());
        m_lastFolder = QFileInfo(directory).absolutePath();
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
    auto asInt = [](size_t n) { return static_cast<int>(std::min<size_t>(n, INT_MAX)); };
    QStringList rows;
    for (size_t i = 0; i < head; ++i)
        rows << eventRow(0, log.events[i]);
    if (tailStart > head)
        rows << tr("… %n more event(s) not listed (see %1)", nullptr, asInt(tailStart - head))
                    .arg(QString::fromLatin1(runlog::kEvents));
    for (size_t i = tailStart; i < count; ++i)
        rows << eventRow(0, log.events[i]);
    for (size_t i = 0; i < std::min(log.warnings.size(), kMaxListedWarnings); ++i)
        rows << tr("warning: %1").arg(oneLine(log.warnings[i]));
    if (log.warnings.size() > kMaxListedWarnings)
        rows << tr("… %n more warning(s)", nullptr, asInt(log.warnings.size() - kMaxListedWarnings));
    m_events->addItems(rows);  // one insertion: one layout of the list
}

QString MainWindow::loadOverlay(const QString& directory)
{
    try {
        m_board->addOverlay(readRunLog(directory.toStdString()));
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

QString MainWindow::openExperiment(const QString& directory)
{
    if (!m_experiment) {
        m_experiment = new ExperimentMonitor(this);
        auto* dock = new QDockWidget(tr("Experiment"), this);
        dock->setObjectName(QStringLiteral("experimentDock"));
        dock->setWidget(m_experiment);
        addDockWidget(Qt::RightDockWidgetArea, dock);
        dock->hide();
        // A run of the experiment opens the way File > Open saved run does.
        connect(m_experiment, &ExperimentMonitor::runActivated, this,
                [this](const QString& run) { openRun(run, ReplayMode::Instant); });
    }
    const QString error = m_experiment->open(directory);
    if (error.isEmpty()) {
        auto* dock = findChild<QDockWidget*>(QStringLiteral("experimentDock"));
        dock->show();
        // Once the first rows are in: wide enough for every column, up to a third of the
        // window; the left docks keep their widths as far as the charts' minimum allows.
        connect(m_experiment, &ExperimentMonitor::refreshed, this, [this, dock] {
            QList<QDockWidget*> docks{dock};
            QList<int> widths{std::min(m_experiment->preferredWidth(), width() / 3)};
            for (QDockWidget* other : findChildren<QDockWidget*>())
                if (other != dock && other->isVisible() && !other->isFloating()
                    && dockWidgetArea(other) == Qt::LeftDockWidgetArea) {
                    docks << other;
                    widths << other->width();
                }
            resizeDocks(docks, widths, Qt::Horizontal);
        }, Qt::SingleShotConnection);
        m_lastFolder = QFileInfo(directory).absolutePath();
    }
    return error;
}

void MainWindow::openExperimentInteractively()
{
    const QString start = m_lastFolder.isEmpty() ? m_runsDirectory : m_lastFolder;
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open an experiment directory"), start);
    if (dir.isEmpty())
        return;
    const QString error = openExperiment(dir);
    if (!error.isEmpty())
        showError(error);
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

void MainWindow::exportChartInteractively(const QString& title, QCustomPlot* plot)
{
    QString safe = title.toLower();
    safe.replace(QRegularExpression(QStringLiteral("[^a-z0-9]+")), QStringLiteral("-"));
    const QString path = QFileDialog::getSaveFileName(this, tr("Export %1").arg(title),
                                                      QDir(m_lastFolder).filePath(safe + QStringLiteral(".png")),
                                                      ChartExporter::fileFilter());
    if (path.isEmpty())
        return;
    m_board->refreshNow();
    const QString error = ChartExporter::exportChart(plot, path);
    if (!error.isEmpty())
        showError(error);
    m_lastFolder = QFileInfo(path).absolutePath();
}

QString MainWindow::exportAllCharts(const QString& path)
{
    m_board->refreshNow();
    return ChartExporter::exportAll(m_board->figures(), path);
}

void MainWindow::exportAllInteractively()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export all charts"),
                                                      QDir(m_lastFolder).filePath(QStringLiteral("grokscope.png")),
                                                      ChartExporter::fileFilter());
    if (path.isEmpty())
        return;
    const QString error = exportAllCharts(path);
    if (!error.isEmpty())
        showError(error);
    m_lastFolder = QFileInfo(path).absolutePath();
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
        if (url.isLocalFile() && isRunDirectory(url.toLocalFile())) {
            event->acceptProposedAction();
            return;
        }
}

void MainWindow::dropEvent(QDropEvent* event)
{
    // The first run directory is played back; any further ones are overlaid on it.
    bool first = true;
    for (const QUrl& url : event->mimeData()->urls()) {
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
