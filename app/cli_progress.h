#pragma once
// The CLI's view of a run: events as they happen, and a progress line with
// step, losses, accuracies, H̃, steps/s and ETA at most once per interval.

#include "metrics/run_observer.h"

#include <chrono>
#include <cstdio>
#include <optional>

namespace grokscope::cli {

class ProgressPrinter final : public RunObserver {
public:
    ProgressPrinter(long totalSteps, bool quiet);
    void onEvaluation(const EvalSnapshot& snapshot) override;
    void onEvent(const RunEvent& event) override;
    void printFinal(const EvalSnapshot& snapshot);

private:
    void printLine(const EvalSnapshot& snapshot);

    long m_totalSteps;
    bool m_quiet;
    bool m_terminal;
    std::optional<double> m_lastEntropy;
    std::chrono::steady_clock::time_point m_lastPrint;
    std::chrono::steady_clock::time_point m_start;
    long m_startStep = -1;
    double m_startTrainingMs = 0.0;
    EvalSnapshot m_latest;
};

}  // namespace grokscope::cli
