#pragma once
// One optimiser step, by either path: FusedTransformer's hand-written forward and
// backward (a 1-layer Transformer on the CPU), or the model's autograd forward. Both
// draw the same batch and the same mixing derangement, so they train the same run.
// Internal to core/train.

namespace grokscope {

struct TrainerState;

// Runs step state.step + 1 and advances state.step. Returns false (and sets
// state.failure through stopDiverged) on a diverged loss; the step is then not taken.
bool trainOneStep(TrainerState& state);

}  // namespace grokscope
