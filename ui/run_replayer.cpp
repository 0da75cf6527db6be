#include "run_replayer.h"

#include "chart_board.h"
#include "run_list.h"

#include "io/run_log.h"

#include <algorithm>
#include <cmath>

namespace grokscope::ui {

namespace {

// The step of the last item of a list shown as a prefix, or -1 when none is shown.
template <typename Item>
long lastShownStep(const std::vector<Item>& items, size_t shown)
{
    return shown > 0 ? items[shown - 1].step : -1;
}

}  // namespace

RunReplayer::RunReplayer(ChartBoard* board, QObject* parent) : QObject(parent), m_board(board)
{
    connect(&m_timer, &QTimer::timeout, this, &RunReplayer::advance);
    applySpeed();
}

RunReplayer::~RunReplayer() = default;

void RunReplayer::open(const RunLog& log)
{
    stop();
    m_log = std::make_unique<RunLog>(log);
    m_evaluation = m_spectrum = m_event = 0;
    m_positionStep = -1;
    m_credit = 0.0;
    m_lastStep = 0;
    if (!log.evaluations.empty())
        m_lastStep = log.evaluations.back().step;
    if (!log.spectra.empty())
        m_lastStep = std::max(m_lastStep, log.spectra.back().step);
    for (const RunEvent& event : log.events)
        m_lastStep = std::max(m_lastStep, event.step);
    clearBoard();
    Q_EMIT opened(m_lastStep);
    Q_EMIT progressed(0, m_lastStep);
}

void RunReplayer::stop()
{
    const bool wasLoaded = isLoaded(), wasPlaying = isPlaying();
    m_timer.stop();
    m_log.reset();
    if (wasPlaying)
        Q_EMIT playingChanged(false);
    if (wasLoaded)
        Q_EMIT stopped();
}

void RunReplayer::play()
{
    if (!m_log || isPlaying())
        return;
    if (isAtEnd())
        showUpTo(-1);
    m_credit = 0.0;
    m_timer.start();
    Q_EMIT playingChanged(true);
}

void RunReplayer::pause()
{
    if (!isPlaying())
        return;
    m_timer.stop();
    Q_EMIT playingChanged(false);
}

void RunReplayer::setSpeed(double factor)
{
    m_speed = std::clamp(factor, kMinSpeed, kMaxSpeed);
    applySpeed();
}

void RunReplayer::applySpeed()
{
    // Slow speeds: one evaluation per tick, ticks further apart. Fast: a tick per
    // repaint, several evaluations each.
    const double perSecond = evaluationsPerSecond();
    const int intervalMs = std::max(kMinTickMs, int(std::lround(1000.0 / perSecond)));
    m_timer.setInterval(intervalMs);
    m_perTick = perSecond * intervalMs / 1000.0;
}

bool RunReplayer::isAtEnd() const
{
    return m_log && m_evaluation >= m_log->evaluations.size() && m_positionStep >= m_lastStep;
}

void RunReplayer::seekToStep(long step)
{
    if (m_log)
        showUpTo(std::clamp(step, -1L, m_lastStep));
}

void RunReplayer::advance()
{
    const std::vector<EvalSnapshot>& evaluations = m_log->evaluations;
    m_credit += m_perTick;
    const auto due = static_cast<size_t>(std::floor(m_credit));
    m_credit -= double(due);
    const size_t target = std::min(evaluations.size(), m_evaluation + due);
    if (target >= evaluations.size())
        showUpTo(m_lastStep);  // with the events after the last evaluation ("finished")
    else if (target > m_evaluation)
        showUpTo(evaluations[target - 1].step);
    if (isAtEnd()) {
        m_timer.stop();
        Q_EMIT playingChanged(false);
        Q_EMIT finished();
    }
}

void RunReplayer::clearBoard()
{
    m_board->beginReplay(*m_log);  // overlays stay, on a backward seek too
}

void RunReplayer::showUpTo(long step)
{
    const RunLog& log = *m_log;
    const bool showsLater = lastShownStep(log.evaluations, m_evaluation) > step
        || lastShownStep(log.spectra, m_spectrum) > step || lastShownStep(log.events, m_event) > step;
    if (showsLater) {
        // A chart cannot take points back: redraw the steps ≤ `step` from the start.
        clearBoard();
        m_evaluation = m_spectrum = m_event = 0;
        Q_EMIT rewound();
    }
    m_positionStep = step;
    for (; m_evaluation < log.evaluations.size() && log.evaluations[m_evaluation].step <= step; ++m_evaluation)
        m_board->addEvaluation(0, log.evaluations[m_evaluation]);
    for (; m_spectrum < log.spectra.size() && log.spectra[m_spectrum].step <= step; ++m_spectrum)
        m_board->addSpectrum(0, log.spectra[m_spectrum]);
    const size_t firstEvent = m_event;
    for (; m_event < log.events.size() && log.events[m_event].step <= step; ++m_event)
        m_board->addEvent(0, log.events[m_event]);
    if (m_event > firstEvent)
        Q_EMIT eventsReached(qsizetype(firstEvent), qsizetype(m_event));
    Q_EMIT progressed(std::max(0L, step), m_lastStep);
}

}  // namespace grokscope::ui
