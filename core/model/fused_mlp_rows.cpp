// FusedMlp's loops over rows (fused_mlp_rows.h), and the two helpers that only the
// cross-entropy uses: a float exponential that vectorises, and reductions in lanes.

#include "model/fused_mlp_rows.h"

#include "model/fused_kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace grokscope::fused::mlp {

namespace {

// e^x for x ≤ 0, from float operations alone (Cephes' expf: e^x = 2^n·e^r with
// n = round(x / ln 2), r = x − n·ln 2 in two parts, e^r by a degree-7 polynomial), so
// that it vectorises and every clone, on every machine, gives the same bits; within
// a few ulp of std::exp (tst_fused_mlp bounds the loss it feeds). Below −87 it returns
// 0 instead of e^x < 2^−125, which a softmax over logits minus their largest (a sum
// ≥ 1) cannot tell apart.
inline float expNonPositive(float x)
{
    constexpr float log2e = 1.44269504088896341f, roundingShift = 12582912.0f;  // 1.5·2^23
    const float clamped = x >= -87.0f ? x : -87.0f;  // NaN too: the conversion to int below stays defined
    const float n = (clamped * log2e + roundingShift) - roundingShift;  // round to nearest
    const float r = (clamped - n * 0.693359375f) - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = (p * (r * r) + r) + 1.0f;
    const int32_t exponentBits = (int32_t(n) + 127) << 23;  // 2^n, n ≥ −126
    float scale;
    std::memcpy(&scale, &exponentBits, sizeof scale);
    const float result = p * scale;
    return x >= -87.0f ? result : x < -87.0f ? 0.0f : x;  // NaN stays NaN
}

// x[0] ⊕ … ⊕ x[n−1] for ⊕ = max or +, in 8 interleaved lanes combined pairwise: a fixed
// order (the same bits in every clone) whose lanes vectorise, where one chain of
// dependent operations over a 41-class row would be latency-bound.
template <typename Combine>
inline float reduceInLanes(const float* x, int64_t n, float identity, Combine combine)
{
    float lane[8] = {identity, identity, identity, identity, identity, identity, identity, identity};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; ++l)
            lane[l] = combine(lane[l], x[i + l]);
    for (int l = 0; i < n; ++i, ++l)
        lane[l] = combine(lane[l], x[i]);
    return combine(combine(combine(lane[0], lane[1]), combine(lane[2], lane[3])),
                   combine(combine(lane[4], lane[5]), combine(lane[6], lane[7])));
}

}  // namespace

// The per-row loops below are cloned for AVX-512 and AVX2: their operations are exact
// (select, add, multiply without contraction: core/CMakeLists.txt compiles this file
// with -ffp-contract=off), so every clone gives the bits of the plain build.

// dPre *= act'(pre) for biasAndActivate's two kinds (fused_kernels.cpp): torch's ReLU
// backward (slope 0 at 0) and exact GELU's Φ(x) + x·φ(x); then dBias = Σ_rows dPre,
// in row order.
__attribute__((target_clones("avx512f", "avx2", "default"))) void activationBackwardRows(
    Activation kind, const float* pre, float* dPre, float* dBias, int64_t rows, int64_t width)
{
    std::fill(dBias, dBias + width, 0.0f);
    for (int64_t b = 0; b < rows; ++b) {
        const float* x = pre + b * width;
        float* g = dPre + b * width;
        if (kind == Activation::Relu) {
            for (int64_t k = 0; k < width; ++k) {
                const float passed = x[k] > 0.0f ? g[k] : 0.0f;
                g[k] = passed;
                dBias[k] += passed;
            }
            continue;
        }
        for (int64_t k = 0; k < width; ++k) {
            const float cdf = 0.5f * (1.0f + std::erf(x[k] * float(M_SQRT1_2)));
            const float pdf = std::exp(-0.5f * x[k] * x[k]) * float(0.5 * M_2_SQRTPI * M_SQRT1_2);
            g[k] *= cdf + x[k] * pdf;
        }
        for (int64_t k = 0; k < width; ++k)
            dBias[k] += g[k];
    }
}

// out_b = first[a_b] + second[b_b]: the first layer's input product from its tables.
__attribute__((target_clones("avx512f", "avx2", "default"))) void gatherOperandRows(
    const float* first, const float* second, const int64_t* tokens, int64_t stride, int64_t rows, int64_t width,
    float* out)
{
    for (int64_t b = 0; b < rows; ++b) {
        const int64_t* t = tokens + b * stride;
        const float* x = first + t[0] * width;
        const float* y = second + t[1] * width;
        float* o = out + b * width;
        for (int64_t k = 0; k < width; ++k)
            o[k] = x[k] + y[k];
    }
}

// Its adjoint: dFirst[a_b] += g_b and dSecond[b_b] += g_b, in row order.
__attribute__((target_clones("avx512f", "avx2", "default"))) void scatterOperandRows(
    const float* gradient, const int64_t* tokens, int64_t stride, int64_t rows, int64_t width, float* dFirst,
    float* dSecond)
{
    for (int64_t b = 0; b < rows; ++b) {
        const int64_t* t = tokens + b * stride;
        const float* g = gradient + b * width;
        float* x = dFirst + t[0] * width;
        float* y = dSecond + t[1] * width;
        for (int64_t k = 0; k < width; ++k)
            x[k] += g[k];
        for (int64_t k = 0; k < width; ++k)
            y[k] += g[k];
    }
}

// Softmax cross-entropy of rows of logits: returns the rows' loss sum (float64) and
// replaces the logits by the gradient of the batch mean (gradientScale = 1 / batch).
// The exponentials run as one loop over all rows, which vectorises without a tail per
// row. Without mixed targets the arithmetic is the one-hot loss's as it always was.
__attribute__((target_clones("avx512f", "avx2", "default"))) double crossEntropyRows(
    float* logits, const int64_t* labels, int64_t rows, int64_t classes, float gradientScale,
    const MixedTargets* mixed)
{
    auto larger = [](float a, float b) { return b > a ? b : a; };
    auto plus = [](float a, float b) { return a + b; };
    double lossSum = 0.0;
    for (int64_t b = 0; b < rows; ++b) {
        float* row = logits + b * classes;
        const float largest = reduceInLanes(row, classes, -INFINITY, larger);
        if (mixed) {
            const double w = mixed->weight[b];
            lossSum += (1.0 - w) * double(largest - row[labels[b]])
                       + w * double(largest - row[mixed->partnerLabels[b]]);
        } else {
            lossSum += double(largest - row[labels[b]]);
        }
        for (int64_t c = 0; c < classes; ++c)
            row[c] -= largest;
    }
    for (int64_t i = 0; i < rows * classes; ++i)
        logits[i] = expNonPositive(logits[i]);
    for (int64_t b = 0; b < rows; ++b) {
        float* row = logits + b * classes;
        const float total = reduceInLanes(row, classes, 0.0f, plus);
        lossSum += double(std::log(total));
        const float factor = gradientScale / total;
        for (int64_t c = 0; c < classes; ++c)
            row[c] *= factor;
        if (mixed) {
            const double w = mixed->weight[b];
            row[labels[b]] -= gradientScale * float(1.0 - w);
            row[mixed->partnerLabels[b]] -= gradientScale * float(w);
        } else {
            row[labels[b]] -= gradientScale;
        }
    }
    return lossSum;
}

}  // namespace grokscope::fused::mlp
