#include "compute/weighted_rows.h"

#include <immintrin.h>

#include <stdexcept>

namespace grokscope {

namespace {

// The vector paths keep 8 partial sums of different columns in flight: one sum's chain
// of count adds is latency-bound, eight of them are throughput-bound.
constexpr int kAccumulators = 8;

float finished(float x, const RowSumFinish& f, int64_t c)
{
    if (f.bias)
        x += f.bias[c];
    if (f.relu)
        x = x > 0.0f ? x : 0.0f;
    return x;
}

// Columns [from, width), one at a time: the plain path, and the vector paths' tail.
void plainColumns(const float* base, const float* const* rows, const float* w, int count, int64_t from,
                  int64_t width, const RowSumFinish& f, float* out)
{
    for (int64_t c = from; c < width; ++c) {
        float acc = base[c];
        for (int k = 0; k < count; ++k)
            acc += w[k] * rows[k][c];
        out[c] = finished(acc, f, c);
    }
}

void plainRowSum(const float* base, const float* const* rows, const float* w, int count, int64_t width,
                 const RowSumFinish& f, float* out)
{
    plainColumns(base, rows, w, count, 0, width, f, out);
}

template <bool kMasked>
__attribute__((target("avx512f"))) inline __m512 load16(const float* from, __mmask16 mask)
{
    return kMasked ? _mm512_maskz_loadu_ps(mask, from) : _mm512_loadu_ps(from);
}

// Columns [c, c + 16·V) in V vectors; with kMasked, masks cut them at `width`.
// max(x, 0) returns its second operand, +0, for NaN and for −0: as x > 0 ? x : 0.
template <int V, bool kMasked>
__attribute__((target("avx512f"))) inline void avx512Group(const float* base, const float* const* rows,
                                                          const float* w, int count, int64_t c, int64_t width,
                                                          const RowSumFinish& f, float* out)
{
    constexpr int64_t kLanes = 16;
    __mmask16 mask[V];
    __m512 a[V];
    for (int i = 0; i < V; ++i) {
        const int64_t left = width - (c + i * kLanes);
        mask[i] = !kMasked || left >= kLanes ? __mmask16(0xFFFF) : __mmask16((1u << left) - 1u);
        a[i] = load16<kMasked>(base + c + i * kLanes, mask[i]);
    }
    for (int k = 0; k < count; ++k) {
        const __m512 wk = _mm512_set1_ps(w[k]);
        const float* row = rows[k] + c;
        for (int i = 0; i < V; ++i)
            a[i] = _mm512_add_ps(a[i], _mm512_mul_ps(wk, load16<kMasked>(row + i * kLanes, mask[i])));
    }
    for (int i = 0; i < V; ++i) {
        __m512 x = a[i];
        if (f.bias)
            x = _mm512_add_ps(x, load16<kMasked>(f.bias + c + i * kLanes, mask[i]));
        if (f.relu)
            x = _mm512_maskz_max_ps(mask[i], x, _mm512_setzero_ps());
        if (kMasked)
            _mm512_mask_storeu_ps(out + c + i * kLanes, mask[i], x);
        else
            _mm512_storeu_ps(out + c + i * kLanes, x);
    }
}

// Whole groups of 8 vectors (128 columns), then one masked group of as many vectors
// as the rest needs.
__attribute__((target("avx512f"))) void avx512RowSum(const float* base, const float* const* rows, const float* w,
                                                    int count, int64_t width, const RowSumFinish& f, float* out)
{
    constexpr int64_t kGroup = 16 * kAccumulators;
    int64_t c = 0;
    for (; c + kGroup <= width; c += kGroup)
        avx512Group<kAccumulators, false>(base, rows, w, count, c, width, f, out);
    switch ((width - c + 15) / 16) {
    case 0: return;
    case 1: return avx512Group<1, true>(base, rows, w, count, c, width, f, out);
    case 2: return avx512Group<2, true>(base, rows, w, count, c, width, f, out);
    case 3: return avx512Group<3, true>(base, rows, w, count, c, width, f, out);
    case 4: return avx512Group<4, true>(base, rows, w, count, c, width, f, out);
    case 5: return avx512Group<5, true>(base, rows, w, count, c, width, f, out);
    case 6: return avx512Group<6, true>(base, rows, w, count, c, width, f, out);
    case 7: return avx512Group<7, true>(base, rows, w, count, c, width, f, out);
    default: return avx512Group<8, true>(base, rows, w, count, c, width, f, out);
    }
}

// Whole groups of 8 vectors (64 columns), then single vectors, then plain columns.
__attribute__((target("avx2"))) void avx2RowSum(const float* base, const float* const* rows, const float* w,
                                                int count, int64_t width, const RowSumFinish& f, float* out)
{
    constexpr int64_t kLanes = 8, kGroup = kLanes * kAccumulators;
    auto finish = [&](int64_t c, __m256 x) __attribute__((target("avx2"))) {
        if (f.bias)
            x = _mm256_add_ps(x, _mm256_loadu_ps(f.bias + c));
        if (f.relu)
            x = _mm256_max_ps(x, _mm256_setzero_ps());
        _mm256_storeu_ps(out + c, x);
    };
    int64_t c = 0;
    for (; c + kGroup <= width; c += kGroup) {
        __m256 a[kAccumulators];
        for (int i = 0; i < kAccumulators; ++i)
            a[i] = _mm256_loadu_ps(base + c + i * kLanes);
        for (int k = 0; k < count; ++k) {
            const __m256 wk = _mm256_set1_ps(w[k]);
            const float* row = rows[k] + c;
            for (int i = 0; i < kAccumulators; ++i)
                a[i] = _mm256_add_ps(a[i], _mm256_mul_ps(wk, _mm256_loadu_ps(row + i * kLanes)));
        }
        for (int i = 0; i < kAccumulators; ++i)
            finish(c + i * kLanes, a[i]);
    }
    for (; c + kLanes <= width; c += kLanes) {
        __m256 a = _mm256_loadu_ps(base + c);
        for (int k = 0; k < count; ++k)
            a = _mm256_add_ps(a, _mm256_mul_ps(_mm256_set1_ps(w[k]), _mm256_loadu_ps(rows[k] + c)));
        finish(c, a);
    }
    plainColumns(base, rows, w, count, c, width, f, out);
}

using RowSum = void (*)(const float*, const float* const*, const float*, int, int64_t, const RowSumFinish&, float*);

RowSum rowSumFor(RowSumPath path)
{
    switch (path) {
    case RowSumPath::Avx512: return avx512RowSum;
    case RowSumPath::Avx2: return avx2RowSum;
    case RowSumPath::Plain: break;
    }
    return plainRowSum;
}

RowSumPath widestPath()
{
    for (RowSumPath path : {RowSumPath::Avx512, RowSumPath::Avx2})
        if (rowSumPathSupported(path))
            return path;
    return RowSumPath::Plain;
}

}  // namespace

bool rowSumPathSupported(RowSumPath path)
{
    __builtin_cpu_init();
    switch (path) {
    case RowSumPath::Avx512: return __builtin_cpu_supports("avx512f");
    case RowSumPath::Avx2: return __builtin_cpu_supports("avx2");
    case RowSumPath::Plain: break;
    }
    return true;
}

void weightedRowSum(const float* base, const float* const* rows, const float* weights, int count, int64_t width,
                    const RowSumFinish& finish, float* out)
{
    static const RowSum rowSum = rowSumFor(widestPath());
    rowSum(base, rows, weights, count, width, finish, out);
}

void weightedRowSum(RowSumPath path, const float* base, const float* const* rows, const float* weights, int count,
                    int64_t width, const RowSumFinish& finish, float* out)
{
    if (!rowSumPathSupported(path))
        throw std::invalid_argument("weightedRowSum: this CPU lacks the requested instruction set");
    rowSumFor(path)(base, rows, weights, count, width, finish, out);
}

}  // namespace grokscope
