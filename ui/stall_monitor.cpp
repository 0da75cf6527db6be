#include "stall_monitor.h"

#include <algorithm>

namespace grokscope::ui {

namespace {
constexpr int kIntervalMs = 10;
}

StallMonitor::StallMonitor(QObject* parent) : QObject(parent)
{
    m_timer.setInterval(kIntervalMs);
    m_timer.setTimerType(Qt::PreciseTimer);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        const qint64 now = m_clock.nsecsElapsed();
        const double stall = (now - m_lastNs) / 1e6 - kIntervalMs;
        m_lastNs = now;
        ++m_ticks;
        m_maxStallMs = std::max(m_maxStallMs, stall);
        if (stall > 20.0)
            m_stallsMs.append(stall);
    });
}

void StallMonitor::start()
{
    m_clock.start();
    m_lastNs = 0;
    m_timer.start();
}

int StallMonitor::stallsOver(double thresholdMs) const
{
    return static_cast<int>(std::count_if(m_stallsMs.begin(), m_stallsMs.end(), [=](double s) { return s > thresholdMs; }));
}

}  // namespace grokscope::ui
