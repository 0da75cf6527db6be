#pragma once
// Wires the panels to the training session: config and run controls on the left,
// the charts in the middle, events below; menus for runs, export and the view.
// main_window.cpp builds and wires the window; main_window_files.cpp opens saved runs
// and exports.

#include "app_palette.h"
#include "session_types.h"

#include <QMainWindow>
#include <QVector>

class QAction;
class QCustomPlot;
class QLabel;
class QListWidget;
class QMenu;

namespace grokscope {
struct RunLog;
struct TrainConfig;
}

namespace grokscope::ui {

class ChartBoard;
class ConfigEditor;
class ExperimentMonitor;
class GrokStrip;
class InterventionPanel;
class ReplayBar;
class RunControls;
class RunListView;
class RunReplayer;
class TrainingSession;

// "ETA 3 min 05 s" for the steps left at this speed; "" when it cannot say.
QString etaText(long stepsLeft, double stepsPerSecond);

// How a saved run is shown: all at once, or played back evaluation by evaluation.
enum class ReplayMode { Instant, Animated };

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    TrainingSession* session() const { return m_session; }
    ChartBoard* board() const { return m_board; }
    ConfigEditor* configEditor() const { return m_config; }
    RunControls* runControls() const { return m_controls; }
    InterventionPanel* interventions() const { return m_interventions; }
    QListWidget* eventList() const { return m_events; }
    QString runsDirectory() const { return m_runsDirectory; }
    QString currentRunDirectory() const { return m_currentRun; }

    void setRunsDirectory(const QString& directory);
    void setTheme(Theme theme);
    // Starts a run with the editor's config; returns false with a message if invalid.
    bool startRun();
    // Replays a saved run (charts, events). Returns "" or why it cannot, on one line
    // and naming the file ("…/events.jsonl:12: not a JSON event object"); shows nothing.
    QString loadRun(const QString& directory, ReplayMode mode = ReplayMode::Instant);
    // loadRun, showing the reason in one message; false on errors.
    bool openRun(const QString& directory, ReplayMode mode = ReplayMode::Instant);
    RunReplayer* replayer() const { return m_replayer; }
    ReplayBar* replayBar() const { return m_replayBar; }
    QAction* exportAllAction() const { return m_exportAllAction; }
    // The same pair for a dotted overlay of a saved run.
    QString loadOverlay(const QString& directory);
    bool overlayRun(const QString& directory);
    // Follows an experiment directory (DIR/spec.json) in the Experiment dock; returns ""
    // or why not, on one line naming the directory. Its runs open like a saved run.
    QString openExperiment(const QString& directory);
    ExperimentMonitor* experimentMonitor() const { return m_experiment; }
    // Exports every chart to one file (.png, .svg or .pdf); returns an error or "".
    QString exportAllCharts(const QString& path);
    // Writes the whole window to a PNG after repainting the charts.
    bool saveScreenshot(const QString& path);

Q_SIGNALS:
    void sessionStateChanged(grokscope::ui::SessionState state);
    void eventLogged(int arm, const QString& type, const QString& message);

protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    void buildMenus();
    void connectSession();
    void onStateChanged(SessionState state);
    void onProgress(const SessionProgress& progress);
    void onEvent(int arm, const grokscope::RunEvent& event);
    // "[z97-add s0] step 6200 · grokked · …": the row names its run (run_list.h).
    QString eventRow(int arm, const grokscope::RunEvent& event) const;
    QString eventRow(const QString& runName, const grokscope::RunEvent& event) const;
    void listSavedEvents(const grokscope::RunLog& log);
    void chooseReferenceRun();
    void branchRun();
    void exportChartInteractively(const QString& title, QCustomPlot* plot);
    void exportAllInteractively();
    // main_window_files.cpp: File's export entries, the replay bar and its event list.
    void addExportActions(QMenu* file);
    void editExportSettings();
    QString askExportPath(const QString& title, const QString& stem);
    void reportExport(const QString& path, const QString& error);
    void addReplayBar();
    void listReplayedEvents(qsizetype first, qsizetype last);
    void exportRunLogInteractively();
    void chooseRunsDirectory();
    void resumeSavedInteractively();
    QString newRunDirectory(const grokscope::TrainConfig& config) const;
    QString askRunDirectory(const QString& title);
    void openExperimentInteractively();
    void showExperimentReading();
    void updateGrokStrip();
    void showError(const QString& message);
    void restoreSettings();
    void saveSettings();

    TrainingSession* m_session = nullptr;
    ChartBoard* m_board = nullptr;
    ConfigEditor* m_config = nullptr;
    RunControls* m_controls = nullptr;
    InterventionPanel* m_interventions = nullptr;
    QListWidget* m_events = nullptr;
    RunReplayer* m_replayer = nullptr;
    ReplayBar* m_replayBar = nullptr;
    QAction* m_exportAllAction = nullptr;
    ExperimentMonitor* m_experiment = nullptr;  // made when an experiment is first opened
    GrokStrip* m_grokStrip = nullptr;           // under it, in the Experiment dock
    QVector<int> m_experimentArms;              // the opened experiment's arms' run ids, in spec order
    QVector<int> m_experimentSeeds;             // its planned runs' run ids
    RunListView* m_runList = nullptr;
    QLabel* m_stepLabel = nullptr;
    QLabel* m_speedLabel = nullptr;
    QLabel* m_etaLabel = nullptr;
    QLabel* m_phaseLabel = nullptr;
    QLabel* m_leverLabel = nullptr;
    QLabel* m_forecastLabel = nullptr;
    QLabel* m_runLabel = nullptr;
    QAction* m_darkAction = nullptr;
    QString m_runsDirectory;
    QString m_currentRun;
    QString m_lastFolder;
    SessionState m_state = SessionState::Idle;
    bool m_replaying = false;
};

}  // namespace grokscope::ui
