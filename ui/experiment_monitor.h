#pragma once
// Follows an experiment directory (DIR/spec.json with one run per arm and seed, local or
// on a cluster's shared filesystem): one row per run with its state, step, T_grok and
// exit code, and one count line per arm, the same status `grokscope-cli
// experiment-status` prints (experiment/experiment_status.h). The directory is reread
// on a worker thread, so a slow shared filesystem or squeue never stalls the window,
// every 2 s until every run has ended. Double-clicking a run asks for it to be opened.
// The same reading rereads the run logs that grew since the last one (metrics.csv and
// events.jsonl, by size), so the charts can follow every run of the experiment live.

#include "experiment_plan.h"
#include "experiment_spec.h"
#include "experiment_status.h"

#include "metrics/eval_snapshot.h"

#include <QMetaType>
#include <QObject>
#include <QStringList>
#include <QWidget>

#include <filesystem>
#include <vector>

class QLabel;
class QTableWidget;
class QThread;
class QTimer;

namespace grokscope::ui {

// A run's log as read now: its evaluations and events.
struct ExperimentRunLog {
    std::size_t run = 0;  // index into the planned runs
    std::vector<grokscope::EvalSnapshot> evaluations;
    std::vector<grokscope::RunEvent> events;
};

// One reading of the directory: a plain value that crosses from the worker thread.
struct ExperimentSnapshot {
    int generation = 0;  // which open() it belongs to: a reading of a previous directory is dropped
    std::vector<experiment::ExperimentRunStatus> runs;
    QStringList armCounts;  // "baseline: 3 runs: 2 finished, 1 running", in the spec's arm order
    QString warning;        // Slurm could not be asked, so queued or running tasks look cancelled
    QString error;          // the directory could not be read (a corrupt submissions.jsonl)
    std::vector<ExperimentRunLog> changedLogs;  // the logs that grew since the previous reading
    double readMs = 0.0;
};

// Lives on the monitor's worker thread; reads the status when asked.
class ExperimentStatusReader : public QObject {
    Q_OBJECT
public:
    ExperimentStatusReader(int generation, experiment::ExperimentSpec spec, std::vector<experiment::PlannedRun> runs,
                           std::filesystem::path directory);

public Q_SLOTS:
    void read();

Q_SIGNALS:
    void statusRead(const grokscope::ui::ExperimentSnapshot& snapshot);

private:
    void readChangedLogs(ExperimentSnapshot& snapshot);

    std::vector<std::uintmax_t> m_logSizes;  // per planned run: metrics.csv + events.jsonl bytes last read
    int m_generation;
    experiment::ExperimentSpec m_spec;
    std::vector<experiment::PlannedRun> m_runs;
    std::filesystem::path m_directory;
};

class ExperimentMonitor : public QWidget {
    Q_OBJECT
public:
    // The table's columns.
    enum Column { ArmColumn, SeedColumn, StateColumn, StepColumn, TGrokColumn, ExitColumn, ColumnCount };

    explicit ExperimentMonitor(QWidget* parent = nullptr);
    ~ExperimentMonitor() override;

    // Starts following `directory`; returns "" or why not, on one line naming the
    // directory or the file at fault. The rows appear after the first reading.
    QString open(const QString& directory);
    QString directory() const { return m_directory; }
    QTableWidget* table() const { return m_table; }
    QStringList armCounts() const { return m_snapshot.armCounts; }
    const std::vector<experiment::ExperimentRunStatus>& statuses() const { return m_snapshot.runs; }
    // The logs that grew with the last reading shown (all that exist, on the first).
    const std::vector<ExperimentRunLog>& changedLogs() const { return m_snapshot.changedLogs; }
    const std::vector<experiment::PlannedRun>& plannedRuns() const { return m_runs; }
    QStringList armNames() const { return m_armNames; }
    // Whether it rereads the directory (some run has not ended).
    bool isFollowing() const;
    int readings() const { return m_readings; }
    double lastReadMs() const { return m_snapshot.readMs; }
    // The width that shows every column of the rows shown without scrolling.
    int preferredWidth() const;

public Q_SLOTS:
    // Rereads the directory now (unless a reading is under way).
    void refresh();

Q_SIGNALS:
    // A run with a log was double-clicked: its directory, DIR/<arm>/seed_<s>.
    void runActivated(const QString& runDirectory);
    // A reading was shown.
    void refreshed();

private:
    void stopReader();
    void show(const ExperimentSnapshot& snapshot);
    void activateRow(int row);

    QLabel* m_title = nullptr;
    QTableWidget* m_table = nullptr;
    QLabel* m_counts = nullptr;
    QLabel* m_note = nullptr;
    QTimer* m_timer = nullptr;
    QThread* m_thread = nullptr;
    ExperimentStatusReader* m_reader = nullptr;
    QString m_directory;
    std::vector<experiment::PlannedRun> m_runs;
    QStringList m_armNames;
    ExperimentSnapshot m_snapshot;
    int m_generation = 0;
    int m_readings = 0;
    bool m_reading = false;
};

}  // namespace grokscope::ui

Q_DECLARE_METATYPE(grokscope::ui::ExperimentSnapshot)
