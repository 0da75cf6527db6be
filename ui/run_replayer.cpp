#include "run_replayer.h"

#include "chart_board.h"

#include "io/run_log.h"

#include <algorithm>

namespace grokscope::ui {

namespace {
constexpr int kTickMs = 40;
}

RunReplayer::RunReplayer(ChartBoard* board, QObject* parent) : QObject(parent), m_board(board)
{
    m_timer.setInterval(kTickMs);
    connect(&m_timer, &QTimer::timeout, this, &RunReplayer::advance);
}

RunReplayer::~RunReplayer() = default;

void RunReplayer::play(const RunLog& log, int evaluationsPerSecond)
{
    m_log = std::make_unique<RunLog>(log);
    m_evaluation = m_spectrum = m_event = 0;
    m_perTick = std::max(1, evaluationsPerSecond * kTickMs / 1000);
    m_board->clearAll();
    m_board->beginArm(0, QString());
    m_board->setEntropyThreshold(effectiveEntropyThreshold(log.config));
    m_timer.start();
}

void RunReplayer::stop() { m_timer.stop(); }

void RunReplayer::advance()
{
    const RunLog& log = *m_log;
    const size_t end = std::min(log.evaluations.size(), m_evaluation + static_cast<size_t>(m_perTick));
    const long step = end > 0 ? log.evaluations[end - 1].step : 0;
    for (; m_evaluation < end; ++m_evaluation)
        m_board->addEvaluation(0, log.evaluations[m_evaluation]);
    for (; m_spectrum < log.spectra.size() && log.spectra[m_spectrum].step <= step; ++m_spectrum)
        m_board->addSpectrum(0, log.spectra[m_spectrum]);
    const bool done = m_evaluation >= log.evaluations.size();
    for (; m_event < log.events.size() && (done || log.events[m_event].step <= step); ++m_event)
        m_board->addEvent(0, log.events[m_event]);
    Q_EMIT progressed(step, log.evaluations.empty() ? 0 : log.evaluations.back().step);
    if (done) {
        m_timer.stop();
        Q_EMIT finished();
    }
}

}  // namespace grokscope::ui
