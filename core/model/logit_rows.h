#pragma once
// Loss, accuracy and logit statistics of rows of logits: the per-example end of
// evaluation (FusedTransformer::evaluate). Each row's sums run in 8 interleaved partial
// sums, a fixed order; the AVX2 path computes the same lanes with the same operations,
// so every CPU gives the same bits. No torch, no Qt.

#include "model/fused_transformer.h"  // SplitSums

#include <cstdint>

namespace grokscope {

// e^x for x ≤ 0 within 1.4 ulp (checked against double exp for every float in
// [−87, 0]); below −87 it returns e^−87; NaN stays NaN.
float expNonPositive(float x);

// Adds `rows` rows of `classes` logits to `s`: loss sum (float64), correct count (the
// first maximum, as argmax), Σ (logit − row mean)² in float64 terms, and the rows whose
// 1 − p_max < saturationEpsilon.
void accumulateLogitRows(const float* logits, const int64_t* labels, int64_t rows, int64_t classes,
                         double saturationEpsilon, SplitSums& s);

// The same without vector instructions: the reference the tests hold the fast path to.
void accumulateLogitRowsPlain(const float* logits, const int64_t* labels, int64_t rows, int64_t classes,
                              double saturationEpsilon, SplitSums& s);

}  // namespace grokscope
