#pragma once
// The eigenvalue spectrum of the representation covariance: the current eigenvalues
// on a log scale (left) and a spectrogram of the spectrum over the steps (right),
// drawn in one QCustomPlot so it exports as one figure.

#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPAxisRect;
class QCPColorMap;
class QCPColorScale;
class QCPGraph;

namespace grokscope::ui {

class ChartToolbar;

// Its toolbar is the line charts' (chart_toolbar.h) without "smooth".
class SpectrumPanel : public QWidget {
    Q_OBJECT
public:
    explicit SpectrumPanel(QWidget* parent = nullptr);

    QString title() const;
    QCustomPlot* plot() const { return m_plot; }

    // arm 0 feeds the spectrogram; every arm draws its latest spectrum on the left.
    void appendSpectrum(int arm, long step, const QVector<double>& eigenvalues);
    void clear();
    int spectrumCount() const { return m_steps.size(); }

    void setStepAxisLog(bool logarithmic);
    bool stepAxisLog() const;
    void setStepRange(double lower, double upper);
    void setAutoRange(bool follow);
    bool autoRange() const;
    ChartToolbar* toolbar() const { return m_toolbar; }
    void applyPalette(const QPalette& palette);
    bool isDirty() const { return m_dirty; }
    void refresh();

Q_SIGNALS:
    void dirtied();
    void stepRangeChangedByUser(double lower, double upper);
    void stepAxisLogToggled(bool logarithmic);
    void autoRangeToggled(bool follow);
    void exportRequested();

private:
    void markDirty();
    void rebuildSpectrogram();
    double firstShownStep() const;
    QCPGraph* armGraph(int arm);

    QCustomPlot* m_plot = nullptr;
    QCPAxisRect* m_currentRect = nullptr;
    QCPAxisRect* m_mapRect = nullptr;
    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QCPGraph* m_initialGraph = nullptr;
    QVector<QCPGraph*> m_armGraphs;
    ChartToolbar* m_toolbar = nullptr;
    QVector<double> m_steps;                // arm 0's spectrum steps
    QVector<QVector<double>> m_spectra;     // arm 0's eigenvalues, normalised to sum 1
    bool m_dirty = false;
};

}  // namespace grokscope::ui
