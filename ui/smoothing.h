#pragma once
// Exponential moving average for display, debiased like TensorBoard's smoothing
// so the first points are not pulled towards zero.

#include <QVector>

namespace grokscope::ui {

class EmaSmoother {
public:
    explicit EmaSmoother(double weight = 0.8) : m_weight(weight) {}
    void reset();
    double add(double value);  // returns the smoothed value after `value`

private:
    double m_weight;
    double m_accumulator = 0.0;
    double m_debias = 1.0;
    int m_count = 0;
};

}  // namespace grokscope::ui
