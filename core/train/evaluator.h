#pragma once
// Measures a Trainer's state at an evaluation step: loss and accuracy on both splits,
// the logit statistics, ‖θ‖ per tensor, and on the spectrum cadence the probe set's
// spectrum (H̃, effective rank), the Fourier alignment, the log-alignment ratio and
// the forecast of T_grok. Reports them to the observers and the event detector.
// With the mixing lever on and intervention.mixing_at_evaluation, every one of these
// passes is measured on mixed representations (train/evaluation_mixing.h says how).
// Internal to core/train.

#include "metrics/diagnostics.h"
#include "metrics/run_observer.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace grokscope {

struct TrainerState;

class Evaluator {
public:
    explicit Evaluator(TrainerState& state);

    // Evaluates at the current step unless that step was already evaluated.
    void evaluate();
    // Final-position representations of the probe set (N × d), mixed as the spectrum's
    // are when the evaluation mixes at this step.
    RepresentationSample representationSample();

private:
    TrainerState& m_state;
    std::optional<AnswerCycle> m_cycle;                   // for the Fourier alignment; none for S_n
    std::optional<FourierAlignmentBasis> m_fourierBasis;  // the probe set's answers on that cycle
    std::vector<int64_t> m_probeLabels;                   // the probe set's answers, for mixing plans by label
};

}  // namespace grokscope
