#pragma once
// Online detection of the paper's events (docs/science.md, "Events") from the stream
// of evaluation snapshots. Pure: feed snapshots, get events back.

#include "metrics/eval_snapshot.h"

#include <optional>
#include <string>
#include <vector>

namespace grokscope {

struct EventThresholds {
    double memorisationAccuracy = 0.95;
    double grokAccuracy = 0.99;
    double entropyThreshold = 0.609;  // H̃*
    // T_collapse is the first evaluation t at which H̃ has fallen by more than
    // collapseDrop from the latest evaluation r at or before t − collapseWindowSteps:
    // smoothed(r) − smoothed(t) > collapseDrop. It cannot fire before such an r exists.
    // The window is in steps, not evaluations, so that the rule means the same at every
    // cadence: the rule of older releases compared the first and last of N evaluations,
    // which spanned 400 steps at one evaluation per 100 steps and 800 at one per 200.
    // N evaluations at cadence C read as (N − 1) × C steps and give that rule's answers
    // exactly wherever every spectrum evaluation has a finite H̃ (tst_event_detector).
    double collapseDrop = 0.05;
    int collapseWindowSteps = 800;
    // smoothed(u) is the mean H̃ of the evaluations the detector kept with a step in
    // (u − collapseSmoothingSteps, u], u itself always among them; 0 = the raw H̃(u).
    // Near the start of the history the window may hold fewer evaluations than at its
    // full width. Smoothing keeps one noisy evaluation from firing the rule.
    int collapseSmoothingSteps = 0;
    // Count H̃ events only in phase II (after memorisation). The first evaluations
    // after initialisation swing H̃ by more than 0.1, which would otherwise fire
    // both H̃ events before the model has learned anything. The collapse rule's history
    // then starts at memorisation too: its window never reaches back into phase I.
    bool entropyEventsAfterMemorisation = true;
};

// The step at which EventDetector fires "entropy_threshold_crossed" for `threshold`:
// the first evaluation with a finite H̃ ≤ threshold, from memorisation on when
// afterMemorisation (none before memorisation). For a threshold changed after the fact
// (the app's H̃* box); the detector applies the same rule as the evaluations arrive.
std::optional<long> entropyThresholdCrossing(const std::vector<EvalSnapshot>& evaluations, double threshold,
                                             std::optional<long> memorisedStep, bool afterMemorisation = true);

enum class TrainingPhase { Memorising, Plateau, Collapsing, Grokked };
std::string phaseName(TrainingPhase phase);

// One spectrum evaluation's H̃, as the collapse rule keeps it.
struct EntropyPoint {
    long step = 0;
    double entropy = 0.0;
    bool operator==(const EntropyPoint& o) const { return step == o.step && entropy == o.entropy; }
};

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
        // The H̃ values the collapse rule may still compare, oldest first, steps
        // increasing: at most collapseWindowSteps + collapseSmoothingSteps back from the
        // latest, plus the one evaluation at or before that edge.
        std::vector<EntropyPoint> entropyHistory;
    };
    State state() const;
    void restore(const State& state);

private:
    RunEvent leadEvent(const std::string& type, long step, const std::string& what) const;
    // Appends H̃ at `step` and forgets what no later evaluation's rule can reach.
    void recordEntropy(long step, double entropy);
    // The index of the latest kept evaluation at or before `step`, if any.
    std::optional<size_t> latestAtOrBefore(long step) const;
    // The mean H̃ of the kept evaluations in (step_i − smoothing, step_i], i included.
    double smoothedEntropy(size_t i) const;

    EventThresholds m_thresholds;
    std::vector<EntropyPoint> m_entropyHistory;  // see State::entropyHistory
    std::optional<long> m_memorised, m_grokked, m_crossed, m_collapsed;
};

}  // namespace grokscope
