#pragma once
// The weighted sum of a few table rows, the inner loop of evaluation: out = base +
// Σ_k w_k·rows_k, then optionally + bias and ReLU. One tile of columns at a time, so
// the partial sums stay in registers and each output is stored once. The terms are
// added in the order base, rows_0, rows_1, … with a separate multiply and add (no FMA),
// so every instruction set gives the same bits as the plain loop. No torch, no Qt.

#include <cstdint>

namespace grokscope {

struct RowSumFinish {
    const float* bias = nullptr;  // added after the rows, when given
    bool relu = false;            // x > 0 ? x : 0, after the bias
};

// The instruction sets it has a path for; the tests run each one this CPU supports.
enum class RowSumPath { Plain, Avx2, Avx512 };
bool rowSumPathSupported(RowSumPath path);

// On the widest supported path.
void weightedRowSum(const float* base, const float* const* rows, const float* weights, int count, int64_t width,
                    const RowSumFinish& finish, float* out);
void weightedRowSum(RowSumPath path, const float* base, const float* const* rows, const float* weights, int count,
                    int64_t width, const RowSumFinish& finish, float* out);

}  // namespace grokscope
