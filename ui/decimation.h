#pragma once
// Display decimation for long series: min/max buckets keep every spike visible
// while drawing at most two points per bucket. The full data stays in the log.

#include <QVector>

#include <vector>

namespace grokscope::ui {

struct DecimatedSeries {
    QVector<double> keys;
    QVector<double> values;
};

// A series' values with the extremes of every block of kBlock points kept alongside,
// so the extremes of a window cost O(window / kBlock + kBlock) instead of O(window).
// A live chart asks for the extremes of every pixel column (and of the whole window,
// for the value axis) on every frame; scanning 100,000 points per series per frame
// was a third of the redraw.
class IndexedValues {
public:
    // Indices of first occurrences; -1 where the range holds no such value.
    struct Extremes {
        int minAt = -1;          // smallest finite value
        int maxAt = -1;          // largest finite value
        int minPositiveAt = -1;  // smallest finite value > 0 (a log axis' lower end)
    };

    void assign(const QVector<double>& values);
    void append(double value);
    void clear();
    const QVector<double>& values() const { return m_values; }
    int size() const { return static_cast<int>(m_values.size()); }
    double operator[](int i) const { return m_values[i]; }
    // Extremes over the indices [first, last), which must lie within [0, size()].
    Extremes find(int first, int last) const;

private:
    static constexpr int kBlock = 32;
    void include(Extremes& e, int index) const;
    void merge(Extremes& into, const Extremes& block) const;

    QVector<double> m_values;
    std::vector<Extremes> m_blocks;  // block b covers [b * kBlock, (b + 1) * kBlock)
};

// Keys must be sorted ascending. Points with keys in [keyLow, keyHigh] are split into
// `buckets` equal key intervals; each bucket contributes its minimum and maximum finite
// value in key order (a bucket of non-finite values only keeps its first point, so a
// NaN still breaks the line). One point on each side of the window is kept so lines
// reach the plot edges. Returns the window unchanged when it has no more than
// 2 × buckets points.
DecimatedSeries decimateMinMax(const QVector<double>& keys, const IndexedValues& values, double keyLow,
                               double keyHigh, int buckets);

}  // namespace grokscope::ui
