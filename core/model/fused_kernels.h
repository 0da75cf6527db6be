#pragma once
// Loops shared by more than one part of the fused steps (fused_transformer.h, fused_mlp.h):
// they know nothing of its parameter layout. A loop with one user lives in that
// user's file instead, where the compiler inlines it as it did when the step was one
// file. Internal to core/model; no torch.
//
// axpy and interleavedDots sit in the innermost loops of the attention forward and
// backward, and chunkRange is two divisions: they are defined here so that every
// caller inlines them. biasAndActivate loops over a whole block per call and lives in
// fused_kernels.cpp. Where a loop is compiled does not change its bits: without FMA
// (neither the base x86-64 target nor the AVX2 clones have it) and without
// -ffast-math, an inlined loop rounds as the called one does.

#include "config/train_config.h"

#include <algorithm>
#include <cstdint>
#include <tuple>
#include <utility>

namespace grokscope::fused {

// y += alpha·x.
inline void axpy(float alpha, const float* x, float* y, int64_t n)
{
    for (int64_t i = 0; i < n; ++i)
        y[i] += alpha * x[i];
}

// out[m] = Σ_i a_m[i]·b_m[i] for m < total, where rowsOf(m) returns the pair (a_m, b_m).
// Each dot is summed in index order, but up to kMaxDots of them advance together: one
// dot's chain of dependent adds is latency-bound, a dozen side by side are not.
constexpr int kMaxDots = 16;
template <typename RowsOf>
void interleavedDots(int64_t total, int64_t n, RowsOf rowsOf, float* out)
{
    const float* a[kMaxDots];
    const float* b[kMaxDots];
    for (int64_t m0 = 0; m0 < total; m0 += kMaxDots) {
        const int group = int(std::min<int64_t>(kMaxDots, total - m0));
        for (int m = 0; m < group; ++m)
            std::tie(a[m], b[m]) = rowsOf(m0 + m);
        float sums[kMaxDots] = {};
        for (int64_t i = 0; i < n; ++i)
            for (int m = 0; m < group; ++m)
                sums[m] += a[m][i] * b[m][i];
        std::copy_n(sums, group, out + m0);
    }
}

// pre += bias (per row of `width`), then hidden = act(pre): torch's ReLU or exact
// GELU. For ReLU `pre` and `hidden` may be the same array.
void biasAndActivate(Activation kind, const float* bias, float* pre, float* hidden, int64_t rows, int64_t width);

// Rows [begin, end) of chunk `index` when `total` rows are cut into `chunks`.
inline std::pair<int64_t, int64_t> chunkRange(int64_t total, int chunks, int index)
{
    const int64_t base = total / chunks, extra = total % chunks;
    const int64_t begin = index * base + std::min<int64_t>(index, extra);
    return {begin, begin + base + (index < extra ? 1 : 0)};
}

// Representation mixing (docs/science.md, "Interventions"; model/mixing_plan.h):
// out_i = (1 − w_i) x_i + w_i x_π(i), with (1 − w_i) and w_i rounded to float (at one
// weight α for every row these are the bits the lever always had). In fused_kernels.cpp.
void mixRows(const float* x, float* out, const int64_t* partner, const double* weight, int64_t rows, int64_t width);
// Its adjoint: dx_i = (1 − w_i) dout_i, then dx_π(k) += w_k dout_k in row order, unless
// the partner is detached (its share a constant: the second part is left out).
void unmixRows(const float* dOut, float* dx, const int64_t* partner, const double* weight, int64_t rows,
               int64_t width, bool detachPartner);

// Label mixing (mixup) in a softmax cross-entropy: the target of row b is
// (1 − w_b) e_{y_b} + w_b e_{y'_b}, where y'_b is its partner's label. Arrays from the
// first row the loss loop sees (`from` moves them on to a chunk's rows).
struct MixedTargets {
    const int64_t* partnerLabels = nullptr;
    const double* weight = nullptr;
    MixedTargets from(int64_t row) const { return {partnerLabels + row, weight + row}; }
};
// partnerLabels[i] = labels[partner[i]] for the batch's rows.
void partnerLabelsOf(const int64_t* labels, const int64_t* partner, int64_t rows, int64_t* partnerLabels);

}  // namespace grokscope::fused
