#pragma once
// Where a ChartPanel's legend goes and how it wraps. Inside the axes, at the top right,
// while it is small: one row, or a few columns, in head room that ChartPanel keeps free of
// data. When it would cover more than kMaxInsideShare of the axes' height (many runs, or
// a small window) it moves under the plot, where it costs height but hides nothing.
// Entries are elided in the middle so that no entry is wider than the axes.

#include <vector>

class QCustomPlot;

namespace grokscope::ui {

class ChartSeriesSet;

enum class LegendPlace { Inside, Below };

struct LegendFit {
    LegendPlace place = LegendPlace::Inside;
    int columns = 1;
};

// The most columns (items fill rows left to right) whose widest entries, plus
// `spacingPx` between columns, fit in `availablePx`; at least 1.
int legendColumns(const std::vector<int>& itemWidthsPx, int spacingPx, int availablePx);

class ChartLegend {
public:
    static constexpr double kMaxInsideShare = 0.22;  // of the axes' height
    static constexpr double kMaxBelowShare = 0.3;    // of the chart's height
    static constexpr int kMaxNameWidthPx = 220;
    static constexpr int kMinNameWidthPx = 60;

    // Elides `series`' entries, wraps the legend and places it for the plot's current
    // size, then lays the plot out again so that axis and legend rects are current.
    // Inside, it leaves `reservedLeftPx` of the axes' top free (the forecast read-out).
    static LegendFit layout(QCustomPlot* plot, ChartSeriesSet& series, int reservedLeftPx = 0);
    static LegendPlace place(const QCustomPlot* plot);
    // The plot's layout for its viewport, as its next replot will compute it.
    static void relayout(QCustomPlot* plot);
};

}  // namespace grokscope::ui
