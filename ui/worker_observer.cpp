#include "worker_observer.h"

#include "training_worker.h"

namespace grokscope::ui {

WorkerObserver::WorkerObserver(TrainingWorker* worker, int arm) : m_worker(worker), m_arm(arm) {}

void WorkerObserver::onEvaluation(const EvalSnapshot& snapshot) { Q_EMIT m_worker->evaluated(m_arm, snapshot); }

void WorkerObserver::onSpectrum(const SpectrumSnapshot& snapshot) { Q_EMIT m_worker->spectrumMeasured(m_arm, snapshot); }

void WorkerObserver::onEvent(const RunEvent& event) { Q_EMIT m_worker->eventOccurred(m_arm, event); }

}  // namespace grokscope::ui
