#pragma once
// Plays a saved run back onto the charts, evaluation by evaluation, so a finished run
// can be watched as if it were live: play and pause, a speed from 0.25× to 16×, and a
// seek to any step. Whatever the path taken to a step S, the board shows exactly the
// evaluations, spectra and events at steps ≤ S (a backward seek redraws from the
// start); the event list follows eventsReached and rewound.

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
    // At 1× a replay shows this many evaluations per second.
    static constexpr double kEvaluationsPerSecondAt1x = 25.0;
    static constexpr double kMinSpeed = 0.25, kMaxSpeed = 16.0;
    // The timer never fires faster than the board repaints (chart_board.h's 40 ms).
    static constexpr int kMinTickMs = 40;

    explicit RunReplayer(ChartBoard* board, QObject* parent = nullptr);
    ~RunReplayer() override;

    // Clears the board and loads `log` with nothing shown yet, paused; play() starts it.
    void open(const grokscope::RunLog& log);
    // Unloads the log (a new run, another run opened); the board keeps what it shows.
    void stop();
    void play();  // from the start again when at the end
    void pause();
    void setSpeed(double factor);  // clamped to [kMinSpeed, kMaxSpeed]
    // Shows exactly the evaluations, spectra and events at steps ≤ `step`; pauses
    // nothing (a playing replay goes on from there).
    void seekToStep(long step);

    bool isLoaded() const { return m_log != nullptr; }
    bool isPlaying() const { return m_timer.isActive(); }
    bool isAtEnd() const;
    double speed() const { return m_speed; }
    int tickIntervalMs() const { return m_timer.interval(); }
    double evaluationsPerSecond() const { return kEvaluationsPerSecondAt1x * m_speed; }
    // The step shown up to (-1 before the first evaluation) and the run's last step:
    // its last evaluation, spectrum or event.
    long positionStep() const { return m_positionStep; }
    long lastStep() const { return m_lastStep; }
    // What the board shows: counts from the start of the log's lists.
    size_t shownEvaluations() const { return m_evaluation; }
    size_t shownEvents() const { return m_event; }
    const grokscope::RunLog* log() const { return m_log.get(); }

Q_SIGNALS:
    void opened(long lastStep);
    void playingChanged(bool playing);
    void progressed(long step, long lastStep);
    // Events [first, last) of log()->events have been drawn and should be listed.
    void eventsReached(qsizetype first, qsizetype last);
    // The board was cleared for a backward seek; listed events are stale.
    void rewound();
    void finished();
    void stopped();

private:
    void advance();
    void clearBoard();  // for the replay's run alone, at step -1
    void showUpTo(long step);
    void applySpeed();

    ChartBoard* m_board;
    std::unique_ptr<grokscope::RunLog> m_log;
    QTimer m_timer;
    size_t m_evaluation = 0, m_spectrum = 0, m_event = 0;
    long m_positionStep = -1, m_lastStep = 0;
    double m_speed = 1.0;
    double m_perTick = 1.0;  // evaluations per timer tick at this speed
    double m_credit = 0.0;   // fractions of an evaluation owed to the next ticks
};

}  // namespace grokscope::ui
