// MainWindow's opened experiment: the Experiment dock (run states and the T_grok strip)
// and the experiment's arms and seeds on the charts, both following the directory live
// through ExperimentMonitor's readings (experiment_monitor.h).
#include "main_window.h"

#include "chart_board.h"
#include "experiment_monitor.h"
#include "grok_strip.h"
#include "run_list.h"
#include "wheel_guard.h"

#include "io/run_log.h"

#include <QApplication>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QSplitter>

namespace grokscope::ui {

QString MainWindow::openExperiment(const QString& directory)
{
    if (!m_experiment) {
        auto* splitter = new QSplitter(Qt::Vertical, this);
        m_experiment = new ExperimentMonitor(splitter);
        m_grokStrip = new GrokStrip(splitter);
        splitter->addWidget(m_experiment);
        splitter->addWidget(m_grokStrip);
        splitter->setStretchFactor(0, 3);
        splitter->setStretchFactor(1, 1);
        auto* dock = new QDockWidget(tr("Experiment"), this);
        dock->setObjectName(QStringLiteral("experimentDock"));
        dock->setWidget(splitter);
        // A tab beside the configuration, which an opened experiment does not use: the
        // charts keep their width on a 1280-pixel screen.
        addDockWidget(Qt::LeftDockWidgetArea, dock);
        if (auto* config = findChild<QDockWidget*>(QStringLiteral("configDock")))
            tabifyDockWidget(config, dock);
        dock->hide();
        installWheelGuard(dock);
        m_grokStrip->applyPalette(QApplication::palette());
        // A run of the experiment opens the way File > Open saved run does.
        connect(m_experiment, &ExperimentMonitor::runActivated, this,
                [this](const QString& run) { openRun(run, ReplayMode::Instant); });
        connect(m_experiment, &ExperimentMonitor::refreshed, this, &MainWindow::showExperimentReading);
        connect(m_board->runs(), &RunList::runChanged, this, [this] { updateGrokStrip(); });
        connect(m_board->runs(), &RunList::runRemoved, this, [this](int id) {
            if (m_experimentArms.contains(id))
                m_experimentArms.clear();  // the arm left the charts: the strip keeps its states only
            updateGrokStrip();
        });
    }
    const QString error = m_experiment->open(directory);
    if (!error.isEmpty())
        return error;
    // The previous experiment leaves the charts; this one's arms and seeds take its place.
    m_board->runs()->removeAll({RunSource::ExperimentArm});
    m_experimentArms.clear();
    m_experimentSeeds.clear();
    const QString root = m_experiment->directory();
    for (const QString& arm : m_experiment->armNames())
        m_experimentArms << m_board->addExperimentArm(arm, QDir(root).filePath(arm));
    for (const auto& run : m_experiment->plannedRuns())
        m_experimentSeeds << m_board->addExperimentSeed(m_experimentArms.value(int(run.arm)), tr("seed %1").arg(run.seed),
                                                          QString::fromStdString(run.directory.string()));
    auto* dock = findChild<QDockWidget*>(QStringLiteral("experimentDock"));
    dock->show();
    dock->raise();
    m_lastFolder = QFileInfo(directory).absolutePath();
    return QString();
}

// Every reading: the logs that grew go to their seeds' series (their arm's mean and
// band follow), and the run states to the T_grok strip.
void MainWindow::showExperimentReading()
{
    for (const ExperimentRunLog& log : m_experiment->changedLogs())
        if (log.run < static_cast<std::size_t>(m_experimentSeeds.size()))
            m_board->setSeedLog(m_experimentSeeds[int(log.run)], log.evaluations, log.events);
    updateGrokStrip();
}

void MainWindow::updateGrokStrip()
{
    if (!m_experiment || !m_grokStrip)
        return;
    const QStringList names = m_experiment->armNames();
    QVector<ArmGrokSteps> arms(names.size());
    for (int a = 0; a < names.size(); ++a) {
        arms[a].name = names[a];
        const ShownRun* run = m_board->runs()->find(m_experimentArms.value(a, -1));
        arms[a].colour = run ? run->colour : palette().color(QPalette::Text);
        arms[a].shown = !run || m_board->runs()->isShown(run->id);
        if (run)
            arms[a].name = run->name;
    }
    for (const auto& run : m_experiment->plannedRuns())
        ++arms[int(run.arm)].seeds;
    // From the logs when the arm is on the charts (a running seed that grokked counts at
    // once), else from the run states (finished runs).
    for (int a = 0; a < arms.size(); ++a)
        if (m_board->runs()->find(m_experimentArms.value(a, -1)))
            for (double step : m_board->armGrokSteps(m_experimentArms[a]))
                arms[a].grokSteps << step;
    for (const auto& status : m_experiment->statuses())
        if (status.tGrok && status.armIndex < static_cast<std::size_t>(arms.size())
            && !m_board->runs()->find(m_experimentArms.value(int(status.armIndex), -1)))
            arms[int(status.armIndex)].grokSteps << static_cast<double>(*status.tGrok);
    m_grokStrip->setArms(arms);
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

}  // namespace grokscope::ui
