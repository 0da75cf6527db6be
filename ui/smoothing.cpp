#include "smoothing.h"

#include <cmath>

namespace grokscope::ui {

void EmaSmoother::reset()
{
    m_accumulator = 0.0;
    m_debias = 1.0;
    m_count = 0;
}

double EmaSmoother::add(double value)
{
    if (!std::isfinite(value))
        return value;
    m_accumulator = m_weight * m_accumulator + (1.0 - m_weight) * value;
    m_debias *= m_weight;
    ++m_count;
    return m_accumulator / (1.0 - m_debias);
}

}  // namespace grokscope::ui
