#pragma once
// Online detection of the paper's events (docs/science.md, "Events") from the stream
// of evaluation snapshots. Pure: feed snapshots, get events back.

#include "metrics/eval_snapshot.h"

#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace grokscope {

struct EventThresholds {
    double memorisationAccuracy = 0.95;
    double grokAccuracy = 0.99;
    double entropyThreshold = 0.609;  // H̃*
    double collapseDrop = 0.05;
    int collapseWindowEvals = 5;
    // Count H̃ events only in phase II (after memorisation). The first evaluations
    // after initialisation swing H̃ by more than 0.1, which would otherwise fire
    // both H̃ events before the model has learned anything.
    bool entropyEventsAfterMemorisation = true;
};

enum class TrainingPhase { Memorising, Plateau, Collapsing, Grokked };
std::string phaseName(TrainingPhase phase);

class EventDetector {
public:
    explicit EventDetector(EventThresholds thresholds);

    // Events that this snapshot triggers, in the order they happened.
    std::vector<RunEvent> observe(const EvalSnapshot& snapshot);

    TrainingPhase phase() const;
    std::optional<long> memorisedStep() const { return m_memorised; }
    std::optional<long> grokStep() const { return m_grokked; }
    std::optional<long> thresholdCrossingStep() const { return m_crossed; }
    std::optional<long> collapseStep() const { return m_collapsed; }
    const EventThresholds& thresholds() const { return m_thresholds; }

    // Everything needed to continue detection after a resume.
    struct State {
        std::optional<long> memorised, grokked, crossed, collapsed;
        std::vector<double> recentEntropy;
    };
    State state() const;
    void restore(const State& state);

private:
    RunEvent leadEvent(const std::string& type, long step, const std::string& what) const;

    EventThresholds m_thresholds;
    std::deque<double> m_recentEntropy;  // the last collapseWindowEvals H̃ values
    std::optional<long> m_memorised, m_grokked, m_crossed, m_collapsed;
};

}  // namespace grokscope
