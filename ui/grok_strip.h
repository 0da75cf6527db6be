#pragma once
// An opened experiment's T_grok distribution: one row per arm, a dot per seed that
// grokked (in the arm's colour), a bar at the arm's median and, at the row's end, how
// many of its seeds grokked so far. Filled from the experiment's run states
// (experiment/experiment_status.h), so it grows as the runs end.

#include <QColor>
#include <QStringList>
#include <QVector>
#include <QWidget>

class QCustomPlot;

namespace grokscope::ui {

struct ArmGrokSteps {
    QString name;
    QColor colour;
    QVector<double> grokSteps;  // of the seeds that grokked
    int seeds = 0;              // planned
    bool shown = true;
};

class GrokStrip : public QWidget {
    Q_OBJECT
public:
    explicit GrokStrip(QWidget* parent = nullptr);

    void setArms(const QVector<ArmGrokSteps>& arms);
    QCustomPlot* plot() const { return m_plot; }
    // "baseline: 4/5 grokked, median 6,200" per arm, top to bottom.
    QStringList summaries() const { return m_summaries; }
    void applyPalette(const QPalette& palette);

private:
    QCustomPlot* m_plot = nullptr;
    QStringList m_summaries;
};

}  // namespace grokscope::ui
