#pragma once
// The series of one ChartPanel: for each, the raw and smoothed values kept in full
// (sorted by step), and the two QCPGraphs that show them. Up to kDirectPointLimit
// points a series is handed to its graphs incrementally; beyond it, or after the step
// axis changed scale, the visible window is decimated to min/max buckets (decimation.h).

#include "decimation.h"
#include "smoothing.h"

#include <QColor>
#include <QString>
#include <QVector>

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

class ChartSeriesSet {
public:
    static constexpr int kDirectPointLimit = 4000;
    static constexpr double kSmoothingWeight = 0.6;  // TensorBoard's default

    explicit ChartSeriesSet(QCustomPlot* plot);
    ~ChartSeriesSet();

    // Returns the series id. A dashed style is used for overlays and second arms.
    int add(const QString& name, const QColor& color, Qt::PenStyle style);
    bool remove(int id);
    int lastId() const;  // -1 when there is none
    // False when nothing was stored: an unknown id, or a step before the last one
    // (keys stay sorted; a late duplicate is dropped).
    bool append(int id, double step, double value);
    bool setData(int id, const QVector<double>& steps, const QVector<double>& values);

    bool empty() const { return m_series.empty(); }
    int count() const { return static_cast<int>(m_series.size()); }
    int pointCount(int id) const;
    int displayedPointCount(int id) const;

    bool smoothing() const { return m_smoothing; }
    void setSmoothing(bool enabled);
    // The legend's text colour for shown series; hidden ones are greyed.
    void setTextColor(const QColor& color);
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
    void updatePens(Series& series);
    void updateAntialiasing(Series& series);

    QCustomPlot* m_plot;
    std::vector<std::unique_ptr<Series>> m_series;
    int m_nextId = 0;
    bool m_smoothing = false;
    bool m_exporting = false;
    QColor m_textColor = Qt::black;
};

}  // namespace grokscope::ui
