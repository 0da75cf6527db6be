#include "cli_progress.h"

#include <string>
#include <unistd.h>

namespace grokscope::cli {

namespace {

std::string duration(double seconds)
{
    if (!(seconds >= 0) || seconds > 1e7)
        return "?";
    const long s = static_cast<long>(seconds + 0.5);
    char buffer[32];
    if (s >= 3600)
        std::snprintf(buffer, sizeof buffer, "%ldh%02ldm", s / 3600, (s / 60) % 60);
    else if (s >= 60)
        std::snprintf(buffer, sizeof buffer, "%ldm%02lds", s / 60, s % 60);
    else
        std::snprintf(buffer, sizeof buffer, "%lds", s);
    return buffer;
}

}  // namespace

ProgressPrinter::ProgressPrinter(long totalSteps, bool quiet)
    : m_totalSteps(totalSteps), m_quiet(quiet), m_terminal(isatty(STDOUT_FILENO) != 0),
      m_lastPrint(std::chrono::steady_clock::now() - std::chrono::hours(1)), m_start(std::chrono::steady_clock::now())
{
}

void ProgressPrinter::onEvaluation(const EvalSnapshot& s)
{
    if (s.entropy)
        m_lastEntropy = s.entropy;
    if (m_startStep < 0) {
        m_startStep = s.step;
        m_startTrainingMs = s.elapsedMs;
    }
    m_latest = s;
    const auto now = std::chrono::steady_clock::now();
    // A terminal gets a live line twice a second; a pipe or log file a line every 5 s.
    const auto interval = m_terminal ? std::chrono::milliseconds(500) : std::chrono::milliseconds(5000);
    if (!m_quiet && now - m_lastPrint >= interval) {
        m_lastPrint = now;
        printLine(s);
    }
}

void ProgressPrinter::printLine(const EvalSnapshot& s)
{
    const double wallSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    const double stepsPerSecond = wallSeconds > 0 ? (s.step - m_startStep) / wallSeconds : 0.0;
    const double eta = stepsPerSecond > 0 ? (m_totalSteps - s.step) / stepsPerSecond : -1.0;
    char entropy[16] = "   -  ";
    if (m_lastEntropy)
        std::snprintf(entropy, sizeof entropy, "%.4f", *m_lastEntropy);
    std::printf("%sstep %6ld/%ld  loss %.4f/%.4f  acc %.3f/%.3f  H~ %s  |θ| %.2f  %.0f steps/s  ETA %s%s",
                m_terminal ? "\r" : "", s.step, m_totalSteps, s.trainLoss, s.testLoss, s.trainAccuracy,
                s.testAccuracy, entropy, s.weightNorm, stepsPerSecond, duration(eta).c_str(),
                m_terminal ? "\033[K" : "\n");
    std::fflush(stdout);
}

void ProgressPrinter::onEvent(const RunEvent& event)
{
    if (m_terminal && !m_quiet)
        std::printf("\r\033[K");
    std::printf("[event] %s\n", event.message.c_str());
    std::fflush(stdout);
}

void ProgressPrinter::printFinal(const EvalSnapshot& s)
{
    if (m_quiet)
        return;
    printLine(s);
    if (m_terminal)
        std::printf("\n");
}

}  // namespace grokscope::cli
