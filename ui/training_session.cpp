#include "training_session.h"

#include "training_worker.h"

#include <QThread>

namespace grokscope::ui {

TrainingSession::TrainingSession(QObject* parent) : QObject(parent)
{
    registerSessionTypes();
    m_thread = new QThread(this);
    m_thread->setObjectName(QStringLiteral("grokscope-training"));
    m_worker = new TrainingWorker;
    m_worker->moveToThread(m_thread);
    connect(m_worker, &TrainingWorker::evaluated, this, &TrainingSession::evaluated);
    connect(m_worker, &TrainingWorker::spectrumMeasured, this, &TrainingSession::spectrumMeasured);
    connect(m_worker, &TrainingWorker::eventOccurred, this, &TrainingSession::eventOccurred);
    connect(m_worker, &TrainingWorker::progressed, this, &TrainingSession::progressed);
    connect(m_worker, &TrainingWorker::failed, this, &TrainingSession::failed);
    connect(m_worker, &TrainingWorker::stateChanged, this, [this](SessionState state) {
        m_state = state;
        if (state == SessionState::Idle)
            m_armCount = 0;
        Q_EMIT stateChanged(state);
    });
    connect(m_worker, &TrainingWorker::runStarted, this,
            [this](int arm, const QString& dir, const QString& name, long total, double threshold) {
                m_armCount = arm + 1;
                if (arm < 2)
                    m_directories[arm] = dir;
                Q_EMIT runStarted(arm, dir, name, total, threshold);
            });
    connect(m_worker, &TrainingWorker::branched, this, &TrainingSession::branched);
    m_thread->start();
}

TrainingSession::~TrainingSession() { shutdown(); }

QString TrainingSession::directory(int arm) const
{
    return arm >= 0 && arm < m_armCount && arm < 2 ? m_directories[arm] : QString();
}

template <typename Command> void TrainingSession::post(Command&& command)
{
    if (m_worker)
        QMetaObject::invokeMethod(m_worker, std::forward<Command>(command), Qt::QueuedConnection);
}

void TrainingSession::start(const TrainConfig& config, const QString& directory)
{
    TrainingWorker* worker = m_worker;
    post([worker, config, directory] { worker->startRun(config, directory); });
}

void TrainingSession::resumeSaved(const QString& directory)
{
    TrainingWorker* worker = m_worker;
    post([worker, directory] { worker->resumeRun(directory); });
}

void TrainingSession::pause()
{
    TrainingWorker* worker = m_worker;
    post([worker] { worker->pause(); });
}

void TrainingSession::resume()
{
    TrainingWorker* worker = m_worker;
    post([worker] { worker->resume(); });
}

void TrainingSession::step(long steps)
{
    TrainingWorker* worker = m_worker;
    post([worker, steps] { worker->stepBy(steps); });
}

void TrainingSession::stop()
{
    TrainingWorker* worker = m_worker;
    post([worker] { worker->stop(); });
}

void TrainingSession::reset()
{
    TrainingWorker* worker = m_worker;
    post([worker] { worker->reset(); });
}

void TrainingSession::setMixing(int arm, const MixingSettings& settings)
{
    TrainingWorker* worker = m_worker;
    post([worker, arm, settings] { worker->setMixing(arm, settings); });
}

void TrainingSession::setEntropyFloor(int arm, const EntropyFloorSettings& settings)
{
    TrainingWorker* worker = m_worker;
    post([worker, arm, settings] { worker->setEntropyFloor(arm, settings); });
}

void TrainingSession::setNormMatch(int arm, const NormMatchSettings& settings)
{
    TrainingWorker* worker = m_worker;
    post([worker, arm, settings] { worker->setNormMatch(arm, settings); });
}

void TrainingSession::branch(const QString& directory)
{
    TrainingWorker* worker = m_worker;
    post([worker, directory] { worker->branch(directory); });
}

void TrainingSession::shutdown()
{
    if (!m_thread)
        return;
    m_worker->requestAbort();
    TrainingWorker* worker = m_worker;
    post([worker] { worker->shutdown(); });
    m_thread->wait();
    // The thread has finished, so nothing else can touch the worker now.
    disconnect(m_worker, nullptr, this, nullptr);
    delete m_worker;
    m_worker = nullptr;
    delete m_thread;
    m_thread = nullptr;
}

}  // namespace grokscope::ui
