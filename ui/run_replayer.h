#pragma once
// Plays a saved run back onto the charts at a chosen speed, evaluation by
// evaluation, so a finished run can be watched as if it were live.

#include <QObject>
#include <QTimer>

#include <memory>

namespace grokscope {
struct RunLog;
}

namespace grokscope::ui {

class ChartBoard;

class RunReplayer : public QObject {
    Q_OBJECT
public:
    explicit RunReplayer(ChartBoard* board, QObject* parent = nullptr);
    ~RunReplayer() override;

    // Clears the board and starts playing `log`; `evaluationsPerSecond` sets the pace.
    void play(const grokscope::RunLog& log, int evaluationsPerSecond);
    void stop();
    bool isPlaying() const { return m_timer.isActive(); }

Q_SIGNALS:
    void progressed(long step, long lastStep);
    void finished();

private:
    void advance();

    ChartBoard* m_board;
    std::unique_ptr<grokscope::RunLog> m_log;
    QTimer m_timer;
    size_t m_evaluation = 0, m_spectrum = 0, m_event = 0;
    int m_perTick = 1;
};

}  // namespace grokscope::ui
