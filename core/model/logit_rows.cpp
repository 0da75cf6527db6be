#include "model/logit_rows.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

namespace grokscope {

namespace {

constexpr int64_t kLanes = 8;
constexpr float kLowest = -87.0f;
constexpr float kRound = 12582912.0f;  // 1.5 · 2^23: adding it rounds to an integer
constexpr float kLog2e = 1.44269504088896341f, kLn2High = 0.693359375f, kLn2Low = 2.12194440e-4f;
constexpr float kPoly[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                            4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};

template <typename T>
T laneTotal(const T* lanes)  // a fixed order, for float and double lanes
{
    return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
}

// The whole-lane part of a row, [0, whole): exps[l] += e^(x − largest), sums[l] += x,
// and then squares[l] += (x − mean)² (float difference, float64 square), per lane l.
// And the row's largest value, NaN skipped as std::max(largest, x) skips it, with
// the index of its first occurrence (argmax); −∞ and the last index for a row of NaN.
struct LaneKernels {
    void (*expsAndSums)(const float* row, int64_t whole, float largest, float* exps, float* sums);
    void (*squares)(const float* row, int64_t whole, float mean, double* squares);
    int64_t (*largest)(const float* row, int64_t classes, float* largest);
};

int64_t firstEqual(const float* row, int64_t from, int64_t classes, float value)
{
    int64_t best = from;
    while (best + 1 < classes && !(row[best] == value))
        ++best;
    return best;
}

// A serial chain of max operations: one compare's latency per class.
int64_t plainLargest(const float* row, int64_t classes, float* largest)
{
    float top = -INFINITY;
    for (int64_t c = 0; c < classes; ++c)
        top = std::max(top, row[c]);
    *largest = top;
    return firstEqual(row, 0, classes, top);
}

// 8 lanes of running maxima. max_ps returns its second operand when the first is NaN,
// so NaN is skipped as above; the maximum is the same value in any order (−0 and +0
// compare equal wherever it is used), and the first index holding it is found by
// comparing whole vectors.
__attribute__((target("avx2"))) int64_t avx2Largest(const float* row, int64_t classes, float* largest)
{
    const int64_t whole = classes - classes % kLanes;
    float top = -INFINITY;
    if (whole > 0) {
        __m256 m = _mm256_set1_ps(-INFINITY);
        for (int64_t c = 0; c < whole; c += kLanes)
            m = _mm256_max_ps(_mm256_loadu_ps(row + c), m);
        float lanes[kLanes];
        _mm256_storeu_ps(lanes, m);
        for (float lane : lanes)
            top = std::max(top, lane);
    }
    for (int64_t c = whole; c < classes; ++c)
        top = std::max(top, row[c]);
    *largest = top;
    const __m256 value = _mm256_set1_ps(top);
    for (int64_t c = 0; c < whole; c += kLanes) {
        const int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(row + c), value, _CMP_EQ_OQ));
        if (mask != 0)
            return c + __builtin_ctz(unsigned(mask));
    }
    return firstEqual(row, whole, classes, top);
}

void plainExpsAndSums(const float* row, int64_t whole, float largest, float* exps, float* sums)
{
    for (int64_t c = 0; c < whole; c += kLanes)
        for (int64_t l = 0; l < kLanes; ++l) {
            exps[l] += expNonPositive(row[c + l] - largest);
            sums[l] += row[c + l];
        }
}

void plainSquares(const float* row, int64_t whole, float mean, double* squares)
{
    for (int64_t c = 0; c < whole; c += kLanes)
        for (int64_t l = 0; l < kLanes; ++l)
            squares[l] += double(row[c + l] - mean) * double(row[c + l] - mean);
}

// expNonPositive on 8 lanes, operation for operation (no FMA: -ffp-contract=off).
// Comparisons are ordered, so NaN keeps NaN through the clamp, as std::max does.
__attribute__((target("avx2"))) inline __m256 expNonPositive8(__m256 x)
{
    const __m256 lowest = _mm256_set1_ps(kLowest);
    x = _mm256_blendv_ps(x, lowest, _mm256_cmp_ps(x, lowest, _CMP_LT_OQ));
    const __m256 round = _mm256_set1_ps(kRound);
    const __m256 n = _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)), round), round);
    const __m256 r = _mm256_add_ps(_mm256_sub_ps(x, _mm256_mul_ps(n, _mm256_set1_ps(kLn2High))),
                                   _mm256_mul_ps(n, _mm256_set1_ps(kLn2Low)));
    __m256 p = _mm256_set1_ps(kPoly[0]);
    for (int i = 1; i < 6; ++i)
        p = _mm256_add_ps(_mm256_mul_ps(p, r), _mm256_set1_ps(kPoly[i]));
    const __m256 floor = _mm256_set1_ps(-126.0f);
    const __m256 exponent = _mm256_blendv_ps(floor, n, _mm256_cmp_ps(n, floor, _CMP_GE_OQ));
    const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(exponent), _mm256_set1_epi32(127)), 23);
    const __m256 poly = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(p, r), r), r), _mm256_set1_ps(1.0f));
    return _mm256_mul_ps(poly, _mm256_castsi256_ps(bits));
}

__attribute__((target("avx2"))) void avx2ExpsAndSums(const float* row, int64_t whole, float largest, float* exps,
                                                     float* sums)
{
    const __m256 top = _mm256_set1_ps(largest);
    __m256 e = _mm256_loadu_ps(exps), s = _mm256_loadu_ps(sums);
    for (int64_t c = 0; c < whole; c += kLanes) {
        const __m256 x = _mm256_loadu_ps(row + c);
        e = _mm256_add_ps(e, expNonPositive8(_mm256_sub_ps(x, top)));
        s = _mm256_add_ps(s, x);
    }
    _mm256_storeu_ps(exps, e);
    _mm256_storeu_ps(sums, s);
}

__attribute__((target("avx2"))) void avx2Squares(const float* row, int64_t whole, float mean, double* squares)
{
    const __m256 m = _mm256_set1_ps(mean);
    __m256d low = _mm256_loadu_pd(squares), high = _mm256_loadu_pd(squares + 4);
    for (int64_t c = 0; c < whole; c += kLanes) {
        const __m256 difference = _mm256_sub_ps(_mm256_loadu_ps(row + c), m);
        const __m256d a = _mm256_cvtps_pd(_mm256_castps256_ps128(difference));
        const __m256d b = _mm256_cvtps_pd(_mm256_extractf128_ps(difference, 1));
        low = _mm256_add_pd(low, _mm256_mul_pd(a, a));
        high = _mm256_add_pd(high, _mm256_mul_pd(b, b));
    }
    _mm256_storeu_pd(squares, low);
    _mm256_storeu_pd(squares + 4, high);
}

void accumulate(const LaneKernels& kernels, const float* logits, const int64_t* labels, int64_t rows,
                int64_t classes, double saturationEpsilon, SplitSums& s)
{
    const int64_t whole = classes - classes % kLanes;
    for (int64_t b = 0; b < rows; ++b) {
        const float* row = logits + b * classes;
        float largest;
        const int64_t best = kernels.largest(row, classes, &largest);  // the first maximum, as argmax
        float exps[kLanes] = {}, sums[kLanes] = {};
        double squares[kLanes] = {};  // float64 terms, as the autograd path accumulates them
        kernels.expsAndSums(row, whole, largest, exps, sums);
        for (int64_t c = whole; c < classes; ++c) {
            exps[c - whole] += expNonPositive(row[c] - largest);
            sums[c - whole] += row[c];
        }
        const float mean = laneTotal(sums) / float(classes);
        kernels.squares(row, whole, mean, squares);
        for (int64_t c = whole; c < classes; ++c)
            squares[c - whole] += double(row[c] - mean) * double(row[c] - mean);
        const float logTotal = std::log(laneTotal(exps));
        s.lossSum += double(largest + logTotal - row[labels[b]]);
        s.correct += best == labels[b];
        s.sumSquaredCentred += laneTotal(squares);
        // 1 − p_max = −expm1(log p_max), exact where p_max is within float rounding of 1.
        s.saturated += -std::expm1(-double(logTotal)) < saturationEpsilon;
    }
    s.entries += rows * classes;
    s.examples += rows;
}

LaneKernels chooseKernels()
{
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2"))
        return {avx2ExpsAndSums, avx2Squares, avx2Largest};
    return {plainExpsAndSums, plainSquares, plainLargest};
}

}  // namespace

// Cephes' expf polynomial after x = n·ln 2 + r, with 2^n written into the exponent bits,
// branch-free so that it vectorises (glibc's expf is a scalar call). e^−87 adds nothing
// to a sum that contains e^0 = 1. NaN stays NaN (std::max keeps its first argument), so
// a diverged row still shows as a NaN loss. The rounding trick needs IEEE semantics:
// no -ffast-math.
float expNonPositive(float x)
{
    x = std::max(x, kLowest);
    const float n = (x * kLog2e + kRound) - kRound;
    const float r = (x - n * kLn2High) + n * kLn2Low;
    float p = kPoly[0];
    for (int i = 1; i < 6; ++i)
        p = p * r + kPoly[i];
    const float exponent = n >= -126.0f ? n : -126.0f;  // also maps NaN to a defined conversion
    const int32_t bits = (int32_t(exponent) + 127) << 23;
    float scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return (p * r * r + r + 1.0f) * scale;
}

void accumulateLogitRows(const float* logits, const int64_t* labels, int64_t rows, int64_t classes,
                         double saturationEpsilon, SplitSums& s)
{
    static const LaneKernels kernels = chooseKernels();
    accumulate(kernels, logits, labels, rows, classes, saturationEpsilon, s);
}

void accumulateLogitRowsPlain(const float* logits, const int64_t* labels, int64_t rows, int64_t classes,
                              double saturationEpsilon, SplitSums& s)
{
    accumulate({plainExpsAndSums, plainSquares, plainLargest}, logits, labels, rows, classes, saturationEpsilon, s);
}

}  // namespace grokscope
