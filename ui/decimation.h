#pragma once
// Display decimation for long series: min/max buckets keep every spike visible
// while drawing at most two points per bucket. The full data stays in the log.

#include <QVector>

namespace grokscope::ui {

struct DecimatedSeries {
    QVector<double> keys;
    QVector<double> values;
};

// Keys must be sorted ascending. Points with keys in [keyLow, keyHigh] are split into
// `buckets` equal key intervals; each bucket contributes its minimum and maximum in key
// order. One point on each side of the window is kept so lines reach the plot edges.
// Returns the input unchanged when it has no more than 2 × buckets points in the window.
DecimatedSeries decimateMinMax(const QVector<double>& keys, const QVector<double>& values, double keyLow,
                               double keyHigh, int buckets);

}  // namespace grokscope::ui
