#pragma once
// The QtCore-only bridge between the GUI and the engine: owns the training thread
// and its worker, forwards commands as queued calls and results as signals.

#include "session_types.h"
#include "config/train_config.h"

#include <QObject>
#include <QString>

class QThread;

namespace grokscope::ui {

class TrainingWorker;

class TrainingSession : public QObject {
    Q_OBJECT
public:
    explicit TrainingSession(QObject* parent = nullptr);
    ~TrainingSession() override;

    SessionState state() const { return m_state; }
    bool hasSecondArm() const { return m_armCount > 1; }
    QString directory(int arm) const;

    void start(const grokscope::TrainConfig& config, const QString& directory);
    void resumeSaved(const QString& directory);
    void pause();
    void resume();
    void step(long steps);
    void stop();
    void reset();
    // The levers of one arm (0: the main run, 1: the branch), passed whole to its trainer.
    void setMixing(int arm, const grokscope::MixingSettings& settings);
    void setEntropyFloor(int arm, const grokscope::EntropyFloorSettings& settings);
    void setNormMatch(int arm, const grokscope::NormMatchSettings& settings);
    void branch(const QString& directory);
    // Stops training, closes the runs and joins the thread. Called by the destructor.
    void shutdown();
    bool isShutDown() const { return m_thread == nullptr; }

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
    template <typename Command> void post(Command&& command);

    QThread* m_thread = nullptr;
    TrainingWorker* m_worker = nullptr;
    SessionState m_state = SessionState::Idle;
    int m_armCount = 0;
    QString m_directories[2];
};

}  // namespace grokscope::ui
