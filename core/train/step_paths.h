#pragma once
// One optimiser step, by either path: a hand-written forward and backward
// (FusedTransformer for a 1-layer Transformer, FusedMlp for the MLP control, on the
// CPU), or the model's autograd forward. Both draw the same batch and the same mixing
// plan (model/mixing_plan.h), so they train the same run.
// Internal to core/train.

#include "model/fused_step.h"

#include <cstdint>

namespace grokscope {

struct TrainerState;

// Runs step state.step + 1 and advances state.step. Returns false, with state.failure
// set, when the step is not taken: a diverged loss (stopDiverged), or mixing at the
// embedding switched on mid-run in a bf16 run (no step of that precision can train it).
bool trainOneStep(TrainerState& state);

// The entropy floor's gradient on a step's representation (Interventions::
// addEntropyFloorGradient), or an empty function where the floor does not apply to a
// batch of this size. Every step path adds it the same way.
RepresentationGradient entropyFloorGradient(TrainerState& state, int64_t batch);

}  // namespace grokscope
