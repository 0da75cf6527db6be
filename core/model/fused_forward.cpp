// FusedTransformer's forward pass: the per-step tables of keys, values and queries,
// attention and the MLP at the final position, and the padded inference blocks behind
// representations() and the probe of evaluate().

#include "model/fused_internals.h"
#include "model/fused_kernels.h"

#include "compute/bf16_gemm.h"
#include "compute/worker_pool.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace grokscope {

using fused::axpy;
using fused::biasAndActivate;
using fused::interleavedDots;

// X[v·L + j] = embed[v] + position[j]; keys and values of every row; queries of the
// final position's rows only (rows v·L + L − 1, stride L·d).
void FusedTransformer::buildTables(const Parameters& p)
{
    const int64_t d = m_shape.dModel, length = m_shape.length;
    for (int64_t v = 0; v < m_shape.vocabulary; ++v)
        for (int64_t j = 0; j < length; ++j) {
            float* row = m_x.data() + (v * length + j) * d;
            for (int64_t k = 0; k < d; ++k)
                row[k] = p.embed[v * d + k] + p.position[j * d + k];
        }
    const float* lastRows = m_x.data() + (length - 1) * d;
    // X feeds two products here and two in finishTableGradients; its final-position
    // rows one each.
    if (p.productPrecision.rounded) {
        m_roundedOperands->round(m_x.data(), m_tableRows, d, d);
        m_roundedOperands->round(lastRows, m_shape.vocabulary, d, length * d);
    }
    m_pool.run(2, [&](int task) {
        if (task == 0) {
            gemm(p.productPrecision, Op::None, Op::None, m_tableRows, d, d, 1.0f, m_x.data(), d, p.wK, d, 0.0f,
                 m_keys.data(), d);
            gemm(p.productPrecision, Op::None, Op::None, m_shape.vocabulary, d, d, 1.0f, lastRows, length * d, p.wQ, d,
                 0.0f, m_queries.data(), d);
        } else {
            gemm(p.productPrecision, Op::None, Op::None, m_tableRows, d, d, 1.0f, m_x.data(), d, p.wV, d, 0.0f,
                 m_values.data(), d);
        }
    });
}

// Softmax weights of the final position's attention over all positions, heads ×
// length, for one example's tokens t (no mask is needed: the query is last).
void FusedTransformer::attentionWeights(const int64_t* t, float* weights) const
{
    const int64_t d = m_shape.dModel, length = m_shape.length, heads = m_shape.heads, dHead = d / heads;
    const float* query = m_queries.data() + t[length - 1] * d;
    interleavedDots(
        heads * length, dHead,
        [&](int64_t m) {
            const int64_t h = m / length, j = m % length;
            return std::pair(query + h * dHead, m_keys.data() + (t[j] * length + j) * d + h * dHead);
        },
        weights);
    const float scale = std::sqrt(float(dHead));
    for (int64_t m = 0; m < heads * length; ++m)
        weights[m] /= scale;
    softmaxPerHead(weights);
}

// attended = (Σ_j softmax_j(q·k_j/√d_h) v_j) · W_O, per head.
__attribute__((target_clones("avx2", "default"))) void FusedTransformer::attendRows(const Parameters& p, const int64_t* tokens, int64_t rows, int64_t productRows, const RowView& r) const
{
    const int64_t d = m_shape.dModel, length = m_shape.length, heads = m_shape.heads, dHead = d / heads;
    for (int64_t b = 0; b < rows; ++b) {
        const int64_t* t = tokens + b * length;
        float* mixed = r.mixed + b * d;
        std::fill(mixed, mixed + d, 0.0f);
        attentionWeights(t, r.weights + b * heads * length);
        for (int64_t h = 0; h < heads; ++h) {
            const float* weight = r.weights + (b * heads + h) * length;
            for (int64_t j = 0; j < length; ++j)
                axpy(weight[j], m_values.data() + (t[j] * length + j) * d + h * dHead, mixed + h * dHead, dHead);
        }
    }
    gemm(p.productPrecision, Op::None, Op::None, productRows, d, d, 1.0f, r.mixed, d, p.wO, d, 0.0f, r.attended, d);
}

// residual = x_final + attended; z = residual + act(residual·W_in + b_in)·W_out + b_out.
// `preFromTables`: residual·W_in + b_in from the evaluation tables (built, covering the
// rows' query tokens; r.weights must hold the rows' attention weights) instead of the
// product with W_in: a weighted sum of 8 table rows per row instead of 128 × d_mlp
// products.
void FusedTransformer::mlpRows(const Parameters& p, const int64_t* tokens, int64_t rows, int64_t productRows,
                               const float* attended, const RowView& r, bool preFromTables) const
{
    const int64_t d = m_shape.dModel, length = m_shape.length, mlp = m_shape.dMlp;
    for (int64_t b = 0; b < rows; ++b) {
        const float* x = m_x.data() + (tokens[b * length + length - 1] * length + length - 1) * d;
        for (int64_t k = 0; k < d; ++k)
            r.residual[b * d + k] = x[k] + attended[b * d + k];
    }
    if (preFromTables)
        tableHiddenRows(p, tokens, rows, r, nullptr);
    else
        gemm(p.productPrecision, Op::None, Op::None, rows, mlp, d, 1.0f, r.residual, d, p.wIn, mlp, 0.0f, r.pre, mlp);
    if (!preFromTables || m_shape.activation != Activation::Relu)
        biasAndActivate(m_shape.activation, p.bIn, r.pre, r.hidden, rows, mlp);
    for (int64_t b = 0; b < rows; ++b)
        for (int64_t k = 0; k < d; ++k)
            r.z[b * d + k] = r.residual[b * d + k] + p.bOut[k];
    gemm(p.productPrecision, Op::None, Op::None, productRows, d, mlp, 1.0f, r.hidden, mlp, p.wOut, d, 1.0f, r.z, d);
}

// A BLAS may round a row of a product differently when the product has another
// number of rows (OpenBLAS's Haswell sgemm kernel does for most heights; the AVX-512
// one at d_mlp = 512 for some), so a partly filled block is padded with zero rows to
// kEvalBlockRows: the products then have the same shape for every block, and a row's
// bits do not depend on how many rows were asked for (tst_fused_transformer).
void FusedTransformer::inferBlock(const Parameters& p, const int64_t* tokens, int64_t rows, Activations& a) const
{
    const int64_t d = m_shape.dModel, mlp = m_shape.dMlp, full = kEvalBlockRows;
    const RowView r = a.view(0, m_shape);  // `a` is one of m_blocks, sized at construction
    // The rows past `rows` that the products read: the inputs of the products with W_O
    // and W_out, and z, which the latter adds to. Finite, and nothing reads their results.
    for (float* rowsBase : {r.mixed, r.z})
        std::fill(rowsBase + rows * d, rowsBase + full * d, 0.0f);
    std::fill(r.hidden + rows * mlp, r.hidden + full * mlp, 0.0f);
    attendRows(p, tokens, rows, full, r);
    mlpRows(p, tokens, rows, full, r.attended, r, true);
}

void FusedTransformer::representationsOnThisThread(const Parameters& p, const int64_t* tokens, int64_t count,
                                                   float* out, Activations& a) const
{
    const int64_t d = m_shape.dModel, length = m_shape.length;
    for (int64_t begin = 0; begin < count; begin += kEvalBlockRows) {
        const int64_t rows = std::min(kEvalBlockRows, count - begin);
        inferBlock(p, tokens + begin * length, rows, a);
        std::copy(a.z.data(), a.z.data() + rows * d, out + begin * d);
    }
}

void FusedTransformer::representations(const float* parameters, const int64_t* tokens, int64_t count, float* out)
{
    const Parameters p(parameters, m_offsets);
    buildTables(p);
    buildEvaluationTables(p, {{tokens, nullptr, count}});
    const int64_t d = m_shape.dModel, length = m_shape.length;
    const int blocks = int((count + kEvalBlockRows - 1) / kEvalBlockRows);
    const int threads = m_pool.threads();
    m_pool.run(blocks, [&](int block) {
        const int64_t begin = block * kEvalBlockRows, rows = std::min(kEvalBlockRows, count - begin);
        representationsOnThisThread(p, tokens + begin * length, rows, out + begin * d, m_blocks[block % threads]);
    });
}

}  // namespace grokscope
