#pragma once
// Measures how long the GUI event loop goes without running a 10 ms timer: the
// longest gap minus the interval is the worst stall a user would feel.

#include <QElapsedTimer>
#include <QObject>
#include <QTimer>

namespace grokscope::ui {

class StallMonitor : public QObject {
    Q_OBJECT
public:
    explicit StallMonitor(QObject* parent = nullptr);
    void start();
    void stop() { m_timer.stop(); }
    bool isActive() const { return m_timer.isActive(); }
    double maxStallMs() const { return m_maxStallMs; }
    int stallsOver(double thresholdMs) const;
    long ticks() const { return m_ticks; }

private:
    QTimer m_timer;
    QElapsedTimer m_clock;
    qint64 m_lastNs = 0;
    double m_maxStallMs = 0.0;
    long m_ticks = 0;
    QVector<double> m_stallsMs;
};

}  // namespace grokscope::ui
