#pragma once
// Exponential moving average for display, debiased like TensorBoard's smoothing
// (tensorboard/plugins/scalar/vz_line_chart2: last = w·last + (1 − w)·x, shown as
// last / (1 − wⁿ)) so the first points are not pulled towards zero.

#include <QVector>

namespace grokscope::ui {

class EmaSmoother {
public:
    // The weight the slider allows at most: 1 would freeze the curve at its first value.
    static constexpr double kMaxWeight = 0.99;

    explicit EmaSmoother(double weight = 0.8) : m_weight(clampWeight(weight)) {}
    // Clamped to [0, kMaxWeight]; 0 returns every value unchanged.
    static double clampWeight(double weight);
    double weight() const { return m_weight; }
    void reset();
    double add(double value);  // returns the smoothed value after `value`
    // add() for each value in turn: the smoothed curve of `values` from this state on.
    QVector<double> addAll(const QVector<double>& values);

private:
    double m_weight;
    double m_accumulator = 0.0;
    double m_debias = 1.0;
    int m_count = 0;
};

}  // namespace grokscope::ui
