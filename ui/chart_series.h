#pragma once
// The series of one ChartPanel: for each, the raw and smoothed values kept in full
// (sorted by step), and the two QCPGraphs that show them. Up to kDirectPointLimit
// points a series is handed to its graphs incrementally; beyond it, or after the step
// axis changed scale, the visible window is decimated to min/max buckets (decimation.h).

#include "decimation.h"
#include "smoothing.h"

#include <QColor>
#include <QFont>
#include <QString>
#include <QVector>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

class QCPAbstractPlottable;
class QCPGraph;
class QCustomPlot;

namespace grokscope::ui {

// The index of the key nearest to `step` in sorted `keys` (the later one on a tie),
// or -1 when `keys` is empty.
int nearestKeyIndex(const QVector<double>& keys, double step);

// How one series is drawn beyond its colour and dash: an experiment shows each seed
// as a thin, faint line out of the legend, and its arm's mean bold.
struct SeriesLook {
    static constexpr double kDefaultWidth = 1.6;
    double width = kDefaultWidth;  // the raw curve's pen, in pixels, while not smoothed
    int alpha = 255;               // the line's opacity, 0 to 255
    bool inLegend = true;
};

class ChartSeriesSet {
public:
    static constexpr int kDirectPointLimit = 4000;
    static constexpr double kSmoothingWeight = 0.6;  // TensorBoard's default, for setSmoothing(true)

    explicit ChartSeriesSet(QCustomPlot* plot);
    ~ChartSeriesSet();

    // Returns the series id. A dashed style tells a run's series apart.
    int add(const QString& name, const QColor& color, Qt::PenStyle style, const SeriesLook& look = {});
    bool remove(int id);
    int lastId() const;  // -1 when there is none
    // False when nothing was stored: an unknown id, or a step before the last one
    // (keys stay sorted; a late duplicate is dropped).
    bool append(int id, double step, double value);
    bool setData(int id, const QVector<double>& steps, const QVector<double>& values);

    // A series set invisible leaves its graphs, the legend, the read-out and the fitted
    // ranges; a click on its legend entry only greys it (it stays there to be clicked back).
    bool setVisible(int id, bool visible);
    bool isVisible(int id) const;
    // Out of the legend only: still drawn, fitted and read out (a run's second series).
    bool setInLegend(int id, bool inLegend);
    bool setName(int id, const QString& name);
    bool setColor(int id, const QColor& color);
    QString name(int id) const;
    QColor color(int id) const;
    // The stored points (not the decimated ones drawn).
    QVector<double> steps(int id) const;
    QVector<double> values(int id) const;

    bool empty() const { return m_series.empty(); }
    int count() const { return static_cast<int>(m_series.size()); }
    int pointCount(int id) const;
    int displayedPointCount(int id) const;
    // The graphs of a series (for tests and the exporter); null for an unknown id.
    QCPGraph* rawGraph(int id) const;
    QCPGraph* smoothGraph(int id) const;

    // 0 shows the raw curves only; above it, a debiased EMA of that weight (smoothing.h)
    // is drawn bold over the raw curves, which are dimmed.
    double smoothingWeight() const { return m_smoothingWeight; }
    void setSmoothingWeight(double weight);
    bool smoothing() const { return m_smoothingWeight > 0.0; }
    void setSmoothing(bool enabled) { setSmoothingWeight(enabled ? kSmoothingWeight : 0.0); }
    // The legend's text colour for shown series; hidden ones are greyed.
    void setTextColor(const QColor& color);
    // Legend entries longer than `widthPx` in `font` are elided in the middle (a run's
    // prefix and the metric stay readable); 0 shows them in full.
    void setLegendNameWidth(int widthPx, const QFont& font);
    // Changes whenever the legend's entries do (added, removed, renamed, shown, hidden):
    // the legend is laid out again only then, or when the chart's size changes.
    int legendRevision() const { return m_legendRevision; }
    // Exports antialias every curve, decimated or not.
    void setExporting(bool exporting);
    // Shows or hides the series drawn by `plottable` (a click on its legend entry).
    bool toggleHidden(const QCPAbstractPlottable* plottable);
    // The next pushToGraphs rebuilds every series (the pixel mapping changed).
    void invalidateDisplayed();

    // The first and last step over the shown series; on a log axis steps <= 0 are left out.
    std::optional<std::pair<double, double>> stepExtent(bool logStep) const;
    // The lowest and highest value of the shown series within [stepLower, stepUpper];
    // on a log axis the lowest positive one.
    std::optional<std::pair<double, double>> valueExtent(double stepLower, double stepUpper, bool logValue) const;
    // Whether a shown curve (the smoothed ones too while smoothing) passes through the box
    // [stepLower, stepUpper] × [valueLower, valueUpper]: labels are kept off the curves
    // with it. Inside the step window a curve is a connected chain, so it crosses the box
    // exactly when its extremes there overlap the value range (IndexedValues: cheap for
    // 100,000 points); the two segments through the window's edges are handed to
    // `crossesEdge(step0, value0, step1, value1)`, which tests them in pixels.
    // Curves drawn fainter than kFaintAlpha do not count.
    using SegmentTest = std::function<bool(double, double, double, double)>;
    static constexpr int kFaintAlpha = 128;
    bool curvesCross(double stepLower, double stepUpper, double valueLower, double valueUpper,
                     const SegmentTest& crossesEdge) const;

    // Moves new points to the graphs, or re-decimates [stepLower, stepUpper] into
    // `buckets` columns for the long ones.
    void pushToGraphs(double stepLower, double stepUpper, int buckets);

    struct Reading {
        QString name;
        double step = 0.0;
        double value = 0.0;
    };
    // Each shown series' point nearest to `step`.
    std::vector<Reading> readingsAt(double step) const;

private:
    struct Series;
    Series* find(int id) const;
    static bool shown(const Series& series);
    void updatePens(Series& series);
    void updateAntialiasing(Series& series);
    void updateLegendName(Series& series);
    QCPGraph* legendGraph(const Series& series) const;
    // Legend entries in the order the series were added, after one left or came back.
    void rebuildLegend();

    QCustomPlot* m_plot;
    std::vector<std::unique_ptr<Series>> m_series;
    int m_nextId = 0;
    double m_smoothingWeight = 0.0;
    bool m_exporting = false;
    QColor m_textColor = Qt::black;
    int m_legendNameWidth = 0;
    int m_legendRevision = 0;
    QFont m_legendFont;
};

}  // namespace grokscope::ui
