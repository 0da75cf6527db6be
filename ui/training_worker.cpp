#include "training_worker.h"

#include "worker_observer.h"

#include "io/config_json.h"
#include "train/run.h"

#include <QThread>
#include <QTimer>

#include <algorithm>
#include <exception>

namespace grokscope::ui {

namespace {

// A chunk of ~25 ms keeps commands responsive without paying per-call overhead.
constexpr double kTargetChunkMs = 25.0;
constexpr long kMaxChunkSteps = 2000;

}  // namespace

struct TrainingWorker::Arm {
    std::unique_ptr<WorkerObserver> observer;  // declared first: outlives the run
    std::unique_ptr<grokscope::Run> run;
    QString directory;
    bool closed = false;
};

TrainingWorker::TrainingWorker(QObject* parent) : QObject(parent) {}

TrainingWorker::~TrainingWorker() = default;

// Nothing throws across threads: a failed command becomes one `failed` signal. The
// error is returned ("" on success) for callers that must end the run after it.
template <typename Command> QString TrainingWorker::guarded(Command&& command)
{
    QString error;
    try {
        command();
        return error;
    } catch (const std::exception& exception) {
        error = QString::fromStdString(exception.what());
    } catch (...) {
        error = tr("unknown error in the training thread");
    }
    Q_EMIT failed(error);
    return error;
}

void TrainingWorker::setState(SessionState state)
{
    if (state == m_state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void TrainingWorker::addArm(std::unique_ptr<grokscope::Run> run, const QString& directory)
{
    auto arm = std::make_unique<Arm>();
    const int index = static_cast<int>(m_arms.size());
    arm->observer = std::make_unique<WorkerObserver>(this, index);
    arm->run = std::move(run);
    arm->directory = directory;
    arm->run->trainer().addObserver(arm->observer.get());
    const TrainConfig& config = arm->run->trainer().config();
    m_arms.push_back(std::move(arm));
    Q_EMIT runStarted(index, directory, QString::fromStdString(config.name), config.run.steps,
                      effectiveEntropyThreshold(config));
}

void TrainingWorker::startRun(const TrainConfig& config, const QString& directory)
{
    closeAll(true);
    m_arms.clear();
    m_abort = false;
    const QString error = guarded([&] {
        addArm(grokscope::Run::start(config, directory.toStdString()), directory);
        m_arms.front()->run->trainer().evaluate();  // the charts start at step 0
        m_stepBudget = -1;
        m_chunkSteps = 1;
        m_rateClock.start();
        m_rateStep = 0;
        setState(SessionState::Running);
        scheduleTick();
    });
    if (!error.isEmpty())
        endAfterFailure(error);
}

void TrainingWorker::resumeRun(const QString& directory)
{
    closeAll(true);
    m_arms.clear();
    m_abort = false;
    const QString error = guarded([&] {
        addArm(grokscope::Run::resume(directory.toStdString()), directory);
        m_stepBudget = -1;
        m_rateClock.start();
        m_rateStep = m_arms.front()->run->trainer().step();
        setState(SessionState::Paused);
        reportProgress(true);
    });
    if (!error.isEmpty())
        endAfterFailure(error);
}

void TrainingWorker::pause()
{
    if (m_state != SessionState::Running)
        return;
    m_stepBudget = -1;
    setState(SessionState::Paused);
    reportProgress(true);
}

void TrainingWorker::resume()
{
    if (m_state != SessionState::Paused)
        return;
    m_stepBudget = -1;
    m_rateClock.start();
    m_rateStep = m_arms.empty() ? 0 : m_arms.front()->run->trainer().step();
    setState(SessionState::Running);
    scheduleTick();
}

void TrainingWorker::stepBy(long steps)
{
    if (m_state != SessionState::Paused || steps <= 0)
        return;
    m_stepBudget = steps;
    setState(SessionState::Running);
    scheduleTick();
}

void TrainingWorker::stop()
{
    if (m_arms.empty())
        return;
    closeAll(true);
    setState(SessionState::Finished);
    reportProgress(true);
}

void TrainingWorker::reset()
{
    closeAll(true);
    m_arms.clear();
    setState(SessionState::Idle);
}

// The arm a lever acts on; a closed or missing one is reported as a failure.
Run& TrainingWorker::openArm(int arm, const QString& lever)
{
    if (arm < 0 || arm >= static_cast<int>(m_arms.size()) || m_arms[arm]->closed)
        throw std::runtime_error(tr("no open run to apply %1 to").arg(lever).toStdString());
    return *m_arms[arm]->run;
}

void TrainingWorker::setMixing(int arm, const MixingSettings& settings)
{
    guarded([&] { openArm(arm, tr("mixing")).trainer().setMixing(settings); });
    reportProgress(true);
}

void TrainingWorker::setEntropyFloor(int arm, const EntropyFloorSettings& settings)
{
    guarded([&] { openArm(arm, tr("the entropy floor")).trainer().setEntropyFloor(settings); });
    reportProgress(true);
}

void TrainingWorker::setNormMatch(int arm, const NormMatchSettings& settings)
{
    guarded([&] { openArm(arm, tr("norm matching")).setNormMatch(settings); });
    reportProgress(true);
}

void TrainingWorker::branch(const QString& directory)
{
    // The branch point's checkpoint failing (a full disk) fails the run, as a periodic
    // checkpoint's would: the next one would fail again. Anything else (a second
    // branch, a taken directory) is reported and the run goes on.
    bool checkpointFailed = false;
    const QString error = guarded([&] {
        if (m_arms.empty() || m_arms.front()->closed)
            throw std::runtime_error(tr("start a run before branching").toStdString());
        if (m_arms.size() > 1)
            throw std::runtime_error(tr("this run already has a second arm").toStdString());
        Arm& source = *m_arms.front();
        if (source.directory.isEmpty())
            throw std::runtime_error(tr("a run without a directory cannot be branched").toStdString());
        try {
            source.run->checkpoint();  // "here" is the current step
        } catch (...) {
            checkpointFailed = true;
            throw;
        }
        const long step = source.run->trainer().step();
        addArm(grokscope::Run::branch(source.directory.toStdString(), step, directory.toStdString()), directory);
        RunEvent event;
        event.step = step;
        event.type = "branched";
        event.message = tr("second arm branched at step %1 into %2").arg(step).arg(directory).toStdString();
        event.labels["source"] = source.directory.toStdString();
        Q_EMIT eventOccurred(1, event);
        Q_EMIT branched(1, directory, step);
        reportProgress(true);
    });
    if (checkpointFailed)
        endAfterFailure(error);
}

void TrainingWorker::shutdown()
{
    m_abort = true;
    closeAll(true);
    m_arms.clear();
    thread()->quit();
}

// Closes every open arm with its final checkpoint and event. An arm whose close fails
// (a full disk at the final checkpoint) is closed all the same and shown as failed;
// the first such error is reported once.
void TrainingWorker::closeAll(bool stoppedByUser)
{
    QString firstError;
    for (auto& arm : m_arms) {
        if (arm->closed)
            continue;
        arm->closed = true;
        Run& run = *arm->run;
        const bool stopped = stoppedByUser && !run.finished();
        std::string failure, closeError;
        try {
            run.close(stopped);
            failure = run.trainer().failure();  // a NaN loss: an event, not an error
        } catch (const std::exception& error) {
            failure = closeError = error.what();
        } catch (...) {
            failure = closeError = tr("unknown error while closing the run").toStdString();
        }
        if (firstError.isEmpty() && !closeError.empty())
            firstError = QString::fromStdString(closeError);
        // Run::close writes its summary event to the log only; the GUI wants it too.
        RunEvent event;
        event.step = run.trainer().step();
        event.type = !failure.empty() ? "failed" : stopped ? "stopped" : "finished";
        event.message = event.type + " at step " + std::to_string(event.step);
        if (!failure.empty())
            event.message += ": " + failure;
        Q_EMIT eventOccurred(static_cast<int>(&arm - &m_arms.front()), event);
    }
    if (!firstError.isEmpty())
        Q_EMIT failed(firstError);
}

// After a step, a start or a resume threw (a full disk, an unreadable file): the
// error has been reported once, and the run ends here instead of failing again on
// every tick. Run::fail logs a "failed" event without evaluating or checkpointing the
// state the exception interrupted, so the log stays resumable from its last checkpoint.
void TrainingWorker::endAfterFailure(const QString& error)
{
    for (auto& arm : m_arms) {
        if (arm->closed)
            continue;
        arm->closed = true;
        Q_EMIT eventOccurred(static_cast<int>(&arm - &m_arms.front()), arm->run->fail(error.toStdString()));
    }
    m_stepBudget = -1;
    setState(SessionState::Finished);
    reportProgress(true);
}

void TrainingWorker::scheduleTick()
{
    if (m_tickQueued)
        return;
    m_tickQueued = true;
    QTimer::singleShot(0, this, &TrainingWorker::tick);
}

void TrainingWorker::tick()
{
    m_tickQueued = false;
    if (m_abort || m_state != SessionState::Running)
        return;
    const QString error = guarded([&] {
        QElapsedTimer chunkClock;
        chunkClock.start();
        long chunk = m_chunkSteps;
        if (m_stepBudget > 0)
            chunk = std::min(chunk, m_stepBudget);
        long ran = 0;
        bool allFinished = true;
        for (auto& arm : m_arms) {
            if (arm->closed || m_abort)
                continue;
            ran = std::max(ran, arm->run->advance(chunk));
            if (!arm->run->finished())
                allFinished = false;
        }
        const double elapsedMs = chunkClock.nsecsElapsed() / 1e6;
        if (elapsedMs < kTargetChunkMs / 2)
            m_chunkSteps = std::min(kMaxChunkSteps, m_chunkSteps * 2);
        else if (elapsedMs > kTargetChunkMs * 2)
            m_chunkSteps = std::max(1L, m_chunkSteps / 2);
        bool budgetSpent = false;
        if (m_stepBudget > 0) {
            m_stepBudget -= std::max(ran, chunk);
            if (m_stepBudget <= 0) {
                m_stepBudget = -1;
                budgetSpent = true;
                setState(SessionState::Paused);
            }
        }
        if (allFinished) {
            closeAll(false);
            setState(SessionState::Finished);
            reportProgress(true);
            return;
        }
        reportProgress(budgetSpent);
    });
    if (!error.isEmpty())
        endAfterFailure(error);
    else if (m_state == SessionState::Running && !m_abort)
        scheduleTick();
}

void TrainingWorker::reportProgress(bool force)
{
    if (m_arms.empty())
        return;
    if (!force && m_progressClock.isValid() && m_progressClock.elapsed() < 200)
        return;
    m_progressClock.start();
    Run& run = *m_arms.front()->run;
    const long step = run.trainer().step();
    const qint64 ms = m_rateClock.isValid() ? m_rateClock.elapsed() : 0;
    if (ms >= 500) {
        m_stepsPerSecond = (step - m_rateStep) * 1000.0 / ms;
        m_rateClock.start();
        m_rateStep = step;
    }
    for (size_t i = 0; i < m_arms.size(); ++i) {
        const Trainer& trainer = m_arms[i]->run->trainer();
        SessionProgress progress;
        progress.arm = static_cast<int>(i);
        progress.step = trainer.step();
        progress.totalSteps = trainer.config().run.steps;
        progress.stepsPerSecond = m_state == SessionState::Running ? m_stepsPerSecond : 0.0;
        progress.phase = QString::fromStdString(phaseName(trainer.events().phase()));
        progress.mixingActive = trainer.mixing().enabled;
        progress.entropyFloorActive = trainer.entropyFloor().enabled;
        progress.normMatchActive = trainer.normMatch().enabled;
        Q_EMIT progressed(progress);
    }
}

}  // namespace grokscope::ui
