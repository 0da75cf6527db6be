#pragma once
// What a hand-written training step (FusedTransformer, FusedMlp) takes besides the
// parameters and the batch: the representation-mixing plan and the gradient of extra
// loss terms on the representation (the entropy floor). No torch in this header.

#include "config/train_config.h"

#include <cstdint>
#include <functional>

namespace grokscope {

struct FusedMixing {
    double alpha = 0.0;
    MixingSite site = MixingSite::FinalResidual;  // Embedding is not supported by the fused steps
    const int64_t* permutation = nullptr;         // batch entries
};

// Adds gradients of extra loss terms with respect to the representation z (rows × width)
// that feeds the unembedding, into dz. Called once per step with the whole batch.
using RepresentationGradient = std::function<void(const float* z, float* dz, int64_t rows, int64_t width)>;

}  // namespace grokscope
