// MainWindow: the docks and menus, and the wiring of the panels and the charts to the
// live training session. Saved runs and exports are in main_window_files.cpp.
#include "main_window.h"

#include "chart_board.h"
#include "config_editor.h"
#include "grok_strip.h"
#include "intervention_panel.h"
#include "message_text.h"
#include "run_controls.h"
#include "run_folder_name.h"
#include "run_list.h"
#include "run_list_view.h"
#include "run_replayer.h"
#include "training_session.h"
#include "wheel_guard.h"

#include "io/run_log.h"

#include "qcustomplot_include.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QFileInfo>
#include <QLabel>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollArea>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QToolBar>
#include <QUrl>
#include <QVBoxLayout>

namespace grokscope::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(tr("GrokScope"));
    setObjectName(QStringLiteral("GrokScopeMainWindow"));
    setAcceptDrops(true);
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);

    m_session = new TrainingSession(this);
    m_board = new ChartBoard(this);
    // The charts scroll rather than push the window past small screens (1280×720, or
    // 2560×1440 at 200%): below their minimum the area scrolls; above it they stretch.
    auto* chartScroll = new QScrollArea(this);
    chartScroll->setObjectName(QStringLiteral("chartScroll"));
    chartScroll->setWidget(m_board);
    chartScroll->setWidgetResizable(true);
    chartScroll->setFrameShape(QFrame::NoFrame);
    setCentralWidget(chartScroll);
    m_replayer = new RunReplayer(m_board, this);
    connect(m_replayer, &RunReplayer::progressed, this, [this](long step, long lastStep) {
        m_stepLabel->setText(tr("replay: step %1 / %2").arg(step).arg(lastStep));
    });

    m_config = new ConfigEditor(this);
    auto* configDock = new QDockWidget(tr("Configuration"), this);
    configDock->setObjectName(QStringLiteral("configDock"));
    configDock->setWidget(m_config);
    addDockWidget(Qt::LeftDockWidgetArea, configDock);

    auto* runPanel = new QWidget(this);
    m_controls = new RunControls(runPanel);
    m_interventions = new InterventionPanel(runPanel);
    auto* runLayout = new QVBoxLayout(runPanel);
    runLayout->setContentsMargins(0, 0, 0, 0);
    runLayout->addWidget(m_controls);
    runLayout->addWidget(m_interventions, 1);
    auto* runScroll = new QScrollArea(this);
    runScroll->setWidget(runPanel);
    runScroll->setWidgetResizable(true);
    runScroll->setFrameShape(QFrame::NoFrame);
    auto* runDock = new QDockWidget(tr("Run and interventions"), this);
    runDock->setObjectName(QStringLiteral("runDock"));
    runDock->setWidget(runScroll);
    addDockWidget(Qt::LeftDockWidgetArea, runDock);

    m_runList = new RunListView(m_board->runs(), this);
    auto* runListDock = new QDockWidget(tr("Runs"), this);
    runListDock->setObjectName(QStringLiteral("runListDock"));
    runListDock->setWidget(m_runList);
    addDockWidget(Qt::LeftDockWidgetArea, runListDock);
    connect(m_runList, &RunListView::bandKindChanged, m_board, &ChartBoard::setBandKind);

    m_events = new QListWidget(this);
    m_events->setObjectName(QStringLiteral("eventList"));
    m_events->setAlternatingRowColors(true);
    m_events->setWordWrap(true);
    m_events->setTextElideMode(Qt::ElideNone);
    auto* eventDock = new QDockWidget(tr("Events"), this);
    eventDock->setObjectName(QStringLiteral("eventDock"));
    eventDock->setWidget(m_events);
    addDockWidget(Qt::LeftDockWidgetArea, eventDock);
    // Runs and Events share the bottom left, as tabs: a 720-pixel screen has no room for both.
    tabifyDockWidget(runListDock, eventDock);
    runListDock->raise();
    resizeDocks({configDock, runDock, runListDock}, {300, 330, 160}, Qt::Vertical);
    resizeDocks({configDock}, {400}, Qt::Horizontal);

    m_stepLabel = new QLabel(tr("step —"), this);
    m_speedLabel = new QLabel(this);
    m_phaseLabel = new QLabel(this);
    m_leverLabel = new QLabel(this);
    m_forecastLabel = new QLabel(this);
    m_forecastLabel->setToolTip(tr("T_grok - t = C1 (H~ - H*)^gamma + C2 with the metrics.forecast_* keys; "
                                   "± is 1.96 residual SDs of the fit"));
    m_etaLabel = new QLabel(this);
    m_etaLabel->setToolTip(tr("Time left at the current speed"));
    m_runLabel = new QLabel(this);
    m_runLabel->setTextInteractionFlags(Qt::TextSelectableByMouse);
    statusBar()->addWidget(m_stepLabel);
    statusBar()->addWidget(m_speedLabel);
    statusBar()->addWidget(m_etaLabel);
    statusBar()->addWidget(m_phaseLabel);
    statusBar()->addWidget(m_leverLabel);
    statusBar()->addWidget(m_forecastLabel);
    statusBar()->addPermanentWidget(m_runLabel);

    buildMenus();
    connectSession();
    addReplayBar();

    connect(m_config, &ConfigEditor::configChanged, this, [this](bool valid) {
        m_controls->updateFor(m_state, valid);
        if (valid && m_state == SessionState::Idle) {
            m_board->setEntropyThreshold(effectiveEntropyThreshold(m_config->config()));
            m_interventions->setDefaultsFrom(m_config->config());
        }
    });
    connect(m_controls, &RunControls::startRequested, this, &MainWindow::startRun);
    connect(m_controls, &RunControls::pauseRequested, m_session, &TrainingSession::pause);
    connect(m_controls, &RunControls::resumeRequested, m_session, &TrainingSession::resume);
    connect(m_controls, &RunControls::stepRequested, m_session, [this](int steps) { m_session->step(steps); });
    connect(m_controls, &RunControls::stopRequested, m_session, &TrainingSession::stop);
    connect(m_controls, &RunControls::resetRequested, this, [this] {
        m_replayer->stop();
        m_session->reset();
        m_board->clearAll();
        m_events->clear();
        m_replaying = false;
        m_currentRun.clear();
        m_runLabel->clear();
        m_stepLabel->setText(tr("step —"));
        m_speedLabel->clear();
        m_etaLabel->clear();
        m_phaseLabel->clear();
        m_leverLabel->clear();
        m_forecastLabel->clear();
        m_board->setEntropyThreshold(effectiveEntropyThreshold(m_config->config()));
        m_interventions->resetTo(m_config->config());
    });
    connect(m_controls, &RunControls::changeRunsDirectoryRequested, this, &MainWindow::chooseRunsDirectory);
    // Each lever's settings travel whole from the panel to the arm's trainer.
    connect(m_interventions, &InterventionPanel::mixingChanged, m_session, &TrainingSession::setMixing);
    connect(m_interventions, &InterventionPanel::entropyFloorChanged, m_session, &TrainingSession::setEntropyFloor);
    connect(m_interventions, &InterventionPanel::normMatchChanged, m_session, &TrainingSession::setNormMatch);
    connect(m_interventions, &InterventionPanel::referenceRunNeeded, this, &MainWindow::chooseReferenceRun);
    connect(m_interventions, &InterventionPanel::branchRequested, this, &MainWindow::branchRun);
    connect(m_board, &ChartBoard::exportRequested, this, &MainWindow::exportChartInteractively);
    connect(m_board, &ChartBoard::entropyThresholdChanged, this, [this](double value) {
        if (m_state == SessionState::Idle && !m_replaying)
            m_config->setValue(QStringLiteral("metrics.entropy_threshold"), QString::number(value, 'f', 3));
    });

    installWheelGuard(this);  // every spin and combo box of the window (wheel_guard.h)
    restoreSettings();
    setTheme(m_darkAction->isChecked() ? Theme::Dark : Theme::Light);
    m_board->setEntropyThreshold(effectiveEntropyThreshold(m_config->config()));
    m_controls->updateFor(m_state, m_config->isValid());
}

MainWindow::~MainWindow() { m_session->shutdown(); }

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Open saved run…"), QKeySequence::Open, this, [this] {
        const QString dir = askRunDirectory(tr("Open a saved run"));
        if (!dir.isEmpty())
            openRun(dir, ReplayMode::Instant);
    });
    file->addAction(tr("&Replay saved run…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O), this, [this] {
        const QString dir = askRunDirectory(tr("Replay a saved run"));
        if (!dir.isEmpty())
            openRun(dir, ReplayMode::Animated);
    });
    file->addAction(tr("O&verlay saved run…"), QKeySequence(Qt::CTRL | Qt::Key_L), this, [this] {
        const QString dir = askRunDirectory(tr("Overlay a saved run"));
        if (!dir.isEmpty())
            overlayRun(dir);
    });
    file->addAction(tr("Clear overlays"), this, [this] { m_board->clearOverlays(); });
    file->addAction(tr("&Continue a saved run…"), this, &MainWindow::resumeSavedInteractively);
    file->addAction(tr("Open e&xperiment…"), this, &MainWindow::openExperimentInteractively);
    file->addSeparator();
    addExportActions(file);  // Export all charts (Ctrl+E, whatever has focus), Export settings
    file->addAction(tr("Export run &log (CSV + JSON)…"), this, &MainWindow::exportRunLogInteractively);
    file->addSeparator();
    file->addAction(tr("Set runs &folder…"), this, &MainWindow::chooseRunsDirectory);
    file->addAction(tr("Show runs folder"), this,
                    [this] { QDesktopServices::openUrl(QUrl::fromLocalFile(m_runsDirectory)); });
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addActions(m_controls->actions());
    auto* toolbar = addToolBar(tr("Run"));
    toolbar->setObjectName(QStringLiteral("runToolbar"));
    toolbar->addActions(m_controls->actions());

    QMenu* view = menuBar()->addMenu(tr("&View"));
    m_darkAction = view->addAction(tr("&Dark palette"));
    m_darkAction->setCheckable(true);
    connect(m_darkAction, &QAction::toggled, this, [this](bool dark) { setTheme(dark ? Theme::Dark : Theme::Light); });
    view->addSeparator();
    for (QDockWidget* dock : findChildren<QDockWidget*>())
        view->addAction(dock->toggleViewAction());
    // Charts can be hidden, so a small screen shows the ones wanted at a useful size;
    // the choice is kept with the window's layout.
    QMenu* charts = view->addMenu(tr("&Charts"));
    const QStringList hidden = QSettings().value(QStringLiteral("hiddenCharts")).toStringList();
    for (QWidget* chart : m_board->chartWidgets()) {
        QAction* action = charts->addAction(chart->property("chartTitle").toString());
        action->setCheckable(true);
        action->setChecked(!hidden.contains(chart->objectName()));
        chart->setVisible(action->isChecked());
        connect(action, &QAction::toggled, chart, [chart](bool shown) {
            chart->setVisible(shown);
            QSettings settings;
            QStringList names = settings.value(QStringLiteral("hiddenCharts")).toStringList();
            names.removeAll(chart->objectName());
            if (!shown)
                names << chart->objectName();
            settings.setValue(QStringLiteral("hiddenCharts"), names);
        });
    }

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About GrokScope"), this, [this] {
        QMessageBox::about(this, tr("About GrokScope"),
                           tr("<b>GrokScope</b> trains small models on group tasks and shows spectral entropy "
                              "collapse before grokking, live.<br>Licensed GPL-3.0-or-later; plots by QCustomPlot."));
    });
}

void MainWindow::connectSession()
{
    connect(m_session, &TrainingSession::evaluated, m_board, &ChartBoard::addEvaluation);
    connect(m_board, &ChartBoard::forecastChanged, m_forecastLabel, &QLabel::setText);
    connect(m_session, &TrainingSession::spectrumMeasured, m_board, &ChartBoard::addSpectrum);
    connect(m_session, &TrainingSession::eventOccurred, this, &MainWindow::onEvent);
    connect(m_session, &TrainingSession::progressed, this, &MainWindow::onProgress);
    connect(m_session, &TrainingSession::stateChanged, this, &MainWindow::onStateChanged);
    connect(m_session, &TrainingSession::failed, this, &MainWindow::showError);
    connect(m_session, &TrainingSession::runStarted, this,
            [this](int arm, const QString& dir, const QString& name, long, double threshold) {
                m_board->beginArm(arm, arm == 0 ? shortRunName(name, m_config->config().run.modelSeed)
                                                : tr("branch %1").arg(arm));
                if (arm == 0) {
                    m_currentRun = dir;
                    m_board->setEntropyThreshold(threshold);
                    m_runLabel->setText(tr("run: %1").arg(QDir::toNativeSeparators(dir)));
                    m_runLabel->setToolTip(name);
                }
                m_interventions->setRunOpen(true, arm + 1);
            });
}

void MainWindow::setRunsDirectory(const QString& directory)
{
    m_runsDirectory = QDir(directory).absolutePath();
    m_controls->setRunsDirectory(QDir::toNativeSeparators(m_runsDirectory));
}

void MainWindow::setTheme(Theme theme)
{
    applyTheme(theme);
    {
        QSignalBlocker block(m_darkAction);
        m_darkAction->setChecked(theme == Theme::Dark);
    }
    m_board->applyPalette(paletteFor(theme));
    if (m_grokStrip)
        m_grokStrip->applyPalette(paletteFor(theme));
}

QString MainWindow::newRunDirectory(const TrainConfig& config) const
{
    return QDir(m_runsDirectory)
        .filePath(newRunFolderName(QString::fromStdString(config.name), config.run.modelSeed,
                                   QDateTime::currentDateTime()));
}

bool MainWindow::startRun()
{
    if (!m_config->isValid()) {
        showError(tr("The config is invalid: %1").arg(m_config->errorMessage()));
        return false;
    }
    if (m_state == SessionState::Running || m_state == SessionState::Paused)
        return false;
    const TrainConfig config = m_config->config();
    m_replayer->stop();
    QDir().mkpath(m_runsDirectory);
    const QString dir = newRunDirectory(config);
    m_board->clearAll();
    m_events->clear();
    m_replaying = false;
    m_interventions->setRunOpen(false, 0);
    m_session->start(config, dir);
    QSettings().setValue(QStringLiteral("lastPreset"), m_config->presetName());
    return true;
}

void MainWindow::onStateChanged(SessionState state)
{
    m_state = state;
    m_controls->updateFor(state, m_config->isValid());
    m_config->setEditable(state == SessionState::Idle || state == SessionState::Finished);
    const bool open = state == SessionState::Running || state == SessionState::Paused;
    m_interventions->setRunOpen(open, open ? (m_session->hasSecondArm() ? 2 : 1) : 0);
    if (state == SessionState::Paused) {
        m_speedLabel->setText(tr("paused"));
        m_etaLabel->clear();
    } else if (state == SessionState::Finished) {
        // Nothing runs any more: no speed, no ETA, no lever is on.
        m_speedLabel->setText(tr("finished"));
        m_etaLabel->clear();
        m_leverLabel->clear();
    }
    Q_EMIT sessionStateChanged(state);
}

void MainWindow::onProgress(const SessionProgress& p)
{
    m_interventions->showActiveState(p.arm, p.mixingActive, p.normMatchActive, p.entropyFloorActive);
    if (p.arm != 0)
        return;
    m_stepLabel->setText(tr("step %1 / %2").arg(p.step).arg(p.totalSteps));
    if (m_state == SessionState::Running) {
        m_speedLabel->setText(tr("%1 steps/s").arg(p.stepsPerSecond, 0, 'f', 0));
        m_etaLabel->setText(etaText(p.totalSteps - p.step, p.stepsPerSecond));
    }
    m_phaseLabel->setText(tr("phase: %1").arg(p.phase));
    QStringList levers;
    if (p.mixingActive)
        levers << tr("mixing on");
    if (p.entropyFloorActive)
        levers << tr("entropy floor on");
    if (p.normMatchActive)
        levers << tr("norm-matched");
    m_leverLabel->setText(levers.join(QStringLiteral(", ")));
}

QString etaText(long stepsLeft, double stepsPerSecond)
{
    if (stepsLeft <= 0 || !(stepsPerSecond > 0.0))
        return QString();
    const long seconds = std::lround(stepsLeft / stepsPerSecond);
    if (seconds < 60)
        return MainWindow::tr("ETA %1 s").arg(seconds);
    if (seconds < 3600)
        return MainWindow::tr("ETA %1 min %2 s").arg(seconds / 60).arg(seconds % 60, 2, 10, QLatin1Char('0'));
    return MainWindow::tr("ETA %1 h %2 min").arg(seconds / 3600).arg((seconds % 3600) / 60, 2, 10, QLatin1Char('0'));
}

void MainWindow::onEvent(int arm, const RunEvent& event)
{
    m_board->addEvent(arm, event);
    m_events->addItem(eventRow(arm, event));
    m_events->scrollToBottom();
    Q_EMIT eventLogged(arm, QString::fromStdString(event.type), QString::fromStdString(event.message));
}

QString MainWindow::eventRow(int arm, const RunEvent& event) const
{
    const ShownRun* run = m_board->runs()->find(m_board->runs()->liveArmRun(arm));
    return eventRow(run ? run->name : QString(), event);
}

QString MainWindow::eventRow(const QString& runName, const RunEvent& event) const
{
    const QString prefix = runName.isEmpty() ? QString() : tr("[%1] ").arg(runName);
    return tr("%1step %2 · %3 · %4").arg(prefix).arg(event.step).arg(oneLine(event.type), oneLine(event.message));
}

void MainWindow::chooseReferenceRun()
{
    const QString dir = askRunDirectory(tr("Reference run for the norm-matched control"));
    if (dir.isEmpty())
        return;
    m_interventions->setReferenceRun(dir);
    QSettings().setValue(QStringLiteral("normReferenceRun"), dir);
}

void MainWindow::branchRun()
{
    if (m_currentRun.isEmpty())
        return;
    m_session->branch(m_currentRun + QStringLiteral("-branch"));
}

void MainWindow::showError(const QString& message)
{
    const QString shown = oneLine(message);
    m_events->addItem(tr("error: %1").arg(shown));
    m_events->scrollToBottom();
    statusBar()->showMessage(shown, 8000);
    if (QGuiApplication::platformName() != QLatin1String("offscreen") && isVisible() && !property("batch").toBool())
        QMessageBox::warning(this, tr("GrokScope"), shown);
}

void MainWindow::restoreSettings()
{
    QSettings settings;
    const QString defaultRuns =
        QDir(QStandardPaths::writableLocation(QStandardPaths::AppDataLocation)).filePath(QStringLiteral("runs"));
    setRunsDirectory(settings.value(QStringLiteral("runsDirectory"), defaultRuns).toString());
    const QString preset = settings.value(QStringLiteral("lastPreset")).toString();
    if (!preset.isEmpty())
        m_config->selectPreset(preset);
    m_interventions->setReferenceRun(settings.value(QStringLiteral("normReferenceRun")).toString());
    m_darkAction->setChecked(settings.value(QStringLiteral("darkPalette"), false).toBool());
    restoreGeometry(settings.value(QStringLiteral("geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("windowState")).toByteArray());
}

void MainWindow::saveSettings()
{
    QSettings settings;
    settings.setValue(QStringLiteral("geometry"), saveGeometry());
    settings.setValue(QStringLiteral("windowState"), saveState());
    settings.setValue(QStringLiteral("lastPreset"), m_config->presetName());
    settings.setValue(QStringLiteral("darkPalette"), m_darkAction->isChecked());
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!property("batch").toBool())  // scripted runs (--quit) leave the user's layout alone
        saveSettings();
    m_session->shutdown();  // stops the worker and closes the run logs before the window goes
    event->accept();
}

}  // namespace grokscope::ui
