#pragma once
// What a hand-written training step (FusedTransformer, FusedMlp) takes besides the
// parameters and the batch: the representation-mixing plan (model/mixing_plan.h: the
// partners, per-row weights, a detached partner, mixed labels) and the gradient of extra
// loss terms on the representation (the entropy floor). No torch in this header.

#include "config/train_config.h"
#include "model/mixing_plan.h"

#include <cstdint>
#include <functional>

namespace grokscope {

// Adds gradients of extra loss terms with respect to the representation z (rows × width)
// that feeds the unembedding, into dz. Called once per step with the whole batch.
using RepresentationGradient = std::function<void(const float* z, float* dz, int64_t rows, int64_t width)>;

}  // namespace grokscope
