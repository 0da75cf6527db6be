#pragma once
// The eigenvalue spectrum of the representation covariance: each shown run's latest
// eigenvalues on a log scale in its colour (left), and a spectrogram of one run's
// spectrum over the steps with that run's event markers (right), drawn in one
// QCustomPlot so it exports as one figure. Its halves sit under the board's two chart
// columns (ChartBoard::alignColumns), so the spectrogram's step axis lines up with the
// charts above it. The spectrogram shows the first shown run that has two spectra, and
// its title says which.

#include <QColor>
#include <QMap>
#include <QVector>
#include <QWidget>

#include <vector>

class QCustomPlot;
class QCPAxisRect;
class QCPColorMap;
class QCPColorScale;
class QCPGraph;
class QCPItemStraightLine;
class QCPTextElement;

namespace grokscope::ui {

class ChartToolbar;

// Its toolbar is the line charts' (chart_toolbar.h) without "smooth".
class SpectrumPanel : public QWidget {
    Q_OBJECT
public:
    explicit SpectrumPanel(QWidget* parent = nullptr);

    QString title() const;
    QCustomPlot* plot() const { return m_plot; }

    // A spectrum of run `run` (an id of the board's RunList), named and coloured as in
    // the run list.
    void appendSpectrum(int run, const QString& name, const QColor& colour, long step,
                        const QVector<double>& eigenvalues);
    // An event of run `run` at `step`: a line on the spectrogram while it shows that run.
    void addMarker(int run, double step, const QColor& colour);
    void setRunShown(int run, bool shown, const QString& name);
    void removeRun(int run);
    void clear();
    // The run the spectrogram shows, -1 when none; its spectra count.
    int spectrogramRun() const { return m_spectrogramRun; }
    int spectrumCount() const;
    QString spectrogramTitle() const;
    // Column 0: the latest spectra; column 1: the spectrogram (ChartBoard aligns them).
    QCPAxisRect* columnRect(int column) const { return column == 0 ? m_currentRect : m_mapRect; }
    int markerCount() const { return static_cast<int>(m_markerLines.size()); }

    void setStepAxisLog(bool logarithmic);
    bool stepAxisLog() const;
    void setStepRange(double lower, double upper);
    void setAutoRange(bool follow);
    // While following, the spectrogram takes the line charts' step range (the board
    // passes it after each refresh), so runs of other lengths keep the axes in line.
    void followStepRange(double lower, double upper);
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
    struct RunSpectra {
        QString name;
        QColor colour;
        bool shown = true;
        QVector<double> steps;              // ascending
        QVector<QVector<double>> spectra;   // normalised to sum 1
        QVector<QPair<double, QColor>> markers;
        QCPGraph* latest = nullptr;
    };

    void markDirty();
    void chooseSpectrogramRun();
    void rebuildSpectrogram();
    void rebuildMarkers();
    double firstShownStep() const;

    QCustomPlot* m_plot = nullptr;
    QCPAxisRect* m_currentRect = nullptr;
    QCPAxisRect* m_mapRect = nullptr;
    QCPColorMap* m_map = nullptr;
    QCPColorScale* m_scale = nullptr;
    QCPTextElement* m_mapTitle = nullptr;
    QCPGraph* m_initialGraph = nullptr;
    ChartToolbar* m_toolbar = nullptr;
    QMap<int, RunSpectra> m_runs;  // by run id, in the order they were added
    int m_spectrogramRun = -1;
    std::vector<QCPItemStraightLine*> m_markerLines;
    bool m_dirty = false;
    bool m_followedRange = false;  // followStepRange was called: the board sets the step range
};

}  // namespace grokscope::ui
