#pragma once
// Owns the runs (the main arm and, after "Branch from here", a second arm) and
// trains them in small chunks on its own thread. Commands arrive as queued calls
// and are handled between chunks; results leave as queued signals carrying values.

#include "session_types.h"
#include "config/train_config.h"

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <vector>

namespace grokscope {
class Run;
}

namespace grokscope::ui {

class WorkerObserver;

class TrainingWorker : public QObject {
    Q_OBJECT
public:
    explicit TrainingWorker(QObject* parent = nullptr);
    ~TrainingWorker() override;

    // Thread-safe: makes the loop return at its next check, without waiting.
    void requestAbort() { m_abort = true; }

    // Commands: call on the worker thread (TrainingSession queues them).
    void startRun(const grokscope::TrainConfig& config, const QString& directory);
    void resumeRun(const QString& directory);
    void pause();
    void resume();
    void stepBy(long steps);
    void stop();
    void reset();
    // A lever that cannot be set (no open arm, an unreadable reference run) is
    // reported once; the run goes on with the lever as it was, and the progress
    // report that follows shows the panel the engine's state.
    void setMixing(int arm, const grokscope::MixingSettings& settings);
    void setEntropyFloor(int arm, const grokscope::EntropyFloorSettings& settings);
    void setNormMatch(int arm, const grokscope::NormMatchSettings& settings);
    void branch(const QString& directory);
    // Closes every open run (as stopped) and ends the thread's event loop.
    void shutdown();

Q_SIGNALS:
    void evaluated(int arm, const grokscope::EvalSnapshot& snapshot);
    void spectrumMeasured(int arm, const grokscope::SpectrumSnapshot& snapshot);
    void eventOccurred(int arm, const grokscope::RunEvent& event);
    void progressed(const grokscope::ui::SessionProgress& progress);
    void stateChanged(grokscope::ui::SessionState state);
    void runStarted(int arm, const QString& directory, const QString& name, long totalSteps, double entropyThreshold);
    void branched(int arm, const QString& directory, long step);
    void failed(const QString& message);

private:
    struct Arm;

    void tick();
    void scheduleTick();
    grokscope::Run& openArm(int arm, const QString& lever);
    void setState(SessionState state);
    void closeAll(bool stoppedByUser);
    void endAfterFailure(const QString& error);
    void reportProgress(bool force);
    void addArm(std::unique_ptr<grokscope::Run> run, const QString& directory);
    template <typename Command> QString guarded(Command&& command);

    std::vector<std::unique_ptr<Arm>> m_arms;
    std::atomic<bool> m_abort{false};
    SessionState m_state = SessionState::Idle;
    bool m_tickQueued = false;
    long m_stepBudget = -1;  // Step: pause after this many steps; -1 = run freely
    long m_chunkSteps = 1;   // adapted so one chunk takes ~25 ms
    QElapsedTimer m_rateClock;
    long m_rateStep = 0;
    double m_stepsPerSecond = 0.0;
    QElapsedTimer m_progressClock;
};

}  // namespace grokscope::ui
