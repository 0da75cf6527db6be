#pragma once
// Adapts the engine's RunObserver callbacks (training thread) to TrainingWorker
// signals; Qt queues them to the GUI thread because the receiver lives there.

#include "metrics/run_observer.h"

namespace grokscope::ui {

class TrainingWorker;

class WorkerObserver : public grokscope::RunObserver {
public:
    WorkerObserver(TrainingWorker* worker, int arm);

    void onEvaluation(const EvalSnapshot& snapshot) override;
    void onSpectrum(const SpectrumSnapshot& snapshot) override;
    void onEvent(const RunEvent& event) override;

private:
    TrainingWorker* m_worker;
    int m_arm;
};

}  // namespace grokscope::ui
