#include "smoothing.h"

#include <algorithm>
#include <cmath>

namespace grokscope::ui {

double EmaSmoother::clampWeight(double weight)
{
    return std::isfinite(weight) ? std::clamp(weight, 0.0, kMaxWeight) : 0.0;
}

void EmaSmoother::reset()
{
    m_accumulator = 0.0;
    m_debias = 1.0;
    m_count = 0;
}

double EmaSmoother::add(double value)
{
    // Non-finite values pass through and leave the average alone, as in TensorBoard.
    if (!std::isfinite(value))
        return value;
    m_accumulator = m_weight * m_accumulator + (1.0 - m_weight) * value;
    m_debias *= m_weight;
    ++m_count;
    return m_accumulator / (1.0 - m_debias);
}

QVector<double> EmaSmoother::addAll(const QVector<double>& values)
{
    QVector<double> smoothed;
    smoothed.reserve(values.size());
    for (double v : values)
        smoothed.append(add(v));
    return smoothed;
}

}  // namespace grokscope::ui
