#pragma once
// FusedMlp's loops over the rows of a chunk or a batch (fused_mlp.h): they know nothing
// of its parameter layout. Internal to core/model; no torch. The loops that vectorise
// are cloned for AVX-512 and AVX2 with the same bits as the plain build (see
// fused_mlp_rows.cpp).

#include "config/train_config.h"

#include <cstdint>

namespace grokscope::fused {
struct MixedTargets;  // fused_kernels.h
}

namespace grokscope::fused::mlp {

// dPre *= act'(pre), then dBias = Σ_rows dPre in row order.
void activationBackwardRows(Activation kind, const float* pre, float* dPre, float* dBias, int64_t rows,
                            int64_t width);

// out_b = first[a_b] + second[b_b], where a_b and b_b are tokens[b · stride] and
// tokens[b · stride + 1]: the first layer's input product from its tables.
void gatherOperandRows(const float* first, const float* second, const int64_t* tokens, int64_t stride, int64_t rows,
                       int64_t width, float* out);
// Its adjoint: dFirst[a_b] += g_b and dSecond[b_b] += g_b, in row order.
void scatterOperandRows(const float* gradient, const int64_t* tokens, int64_t stride, int64_t rows, int64_t width,
                        float* dFirst, float* dSecond);

// Softmax cross-entropy of rows of logits: returns the rows' loss sum (float64) and
// replaces the logits by the gradient of the batch mean (gradientScale = 1 / batch).
// `mixed`: the rows' soft targets (label mixing; the loss of row b is then
// (1 − w_b) CE(y_b) + w_b CE(y'_b)), or null for one-hot labels.
double crossEntropyRows(float* logits, const int64_t* labels, int64_t rows, int64_t classes, float gradientScale,
                        const MixedTargets* mixed = nullptr);

}  // namespace grokscope::fused::mlp
