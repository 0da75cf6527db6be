// FusedTransformer's backward pass, chunk by chunk: the loss and its gradient at the
// logits, the MLP's and the attention's parameter gradients into each chunk's partial,
// then the reduction of the partials in chunk order (the same sum on any number of
// threads) and the gradients of the tables' inputs: W_Q, W_K, W_V and the embeddings.

#include "model/fused_internals.h"
#include "model/fused_kernels.h"

#include "compute/bf16_gemm.h"
#include "compute/worker_pool.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace grokscope {

using fused::axpy;
using fused::chunkRange;
using fused::interleavedDots;

namespace {

// gradient *= act'(pre), for biasAndActivate's two kinds (fused_kernels.cpp).
void scaleByActivationSlope(Activation kind, const float* pre, float* gradient, int64_t count)
{
    if (kind == Activation::Relu) {
        for (int64_t i = 0; i < count; ++i)
            gradient[i] = pre[i] > 0.0f ? gradient[i] : 0.0f;
        return;
    }
    for (int64_t i = 0; i < count; ++i) {
        const float x = pre[i];
        const float cdf = 0.5f * (1.0f + std::erf(x * float(M_SQRT1_2)));
        const float pdf = std::exp(-0.5f * x * x) * float(0.5 * M_2_SQRTPI * M_SQRT1_2);
        gradient[i] *= cdf + x * pdf;
    }
}

}  // namespace

FusedTransformer::TableGradients FusedTransformer::tableGradients(float* partial) const
{
    const int64_t d = m_shape.dModel;
    TableGradients t;
    t.queries = partial + (m_offsets.total - m_offsets.wO);
    t.keys = t.queries + int64_t(m_shape.vocabulary) * d;
    t.values = t.keys + m_tableRows * d;
    t.residualRows = t.values + m_tableRows * d;
    return t;
}

// The loss starts the backward pass: the logits' array becomes their gradient. With
// mixed targets, row b's loss is (1 − w_b) CE(y_b) + w_b CE(y'_b) and its gradient
// softmax − the soft target; without, the one-hot arithmetic as it always was.
double FusedTransformer::crossEntropyRows(float* logits, const int64_t* labels, int64_t rows,
                                          float gradientScale, const fused::MixedTargets* mixed) const
{
    const int64_t classes = m_shape.classes;
    double lossSum = 0.0;
    for (int64_t b = 0; b < rows; ++b) {
        float* row = logits + b * classes;
        const float largest = *std::max_element(row, row + classes);
        const float labelLogit = row[labels[b]];
        const float partnerLogit = mixed ? row[mixed->partnerLabels[b]] : 0.0f;
        float total = 0.0f;
        for (int64_t c = 0; c < classes; ++c)
            total += row[c] = std::exp(row[c] - largest);
        const float factor = gradientScale / total;
        for (int64_t c = 0; c < classes; ++c)
            row[c] *= factor;
        if (!mixed) {
            lossSum += double(largest + std::log(total) - labelLogit);
            row[labels[b]] -= gradientScale;
            continue;
        }
        const double w = mixed->weight[b];
        const float logNormaliser = largest + std::log(total);
        lossSum += (1.0 - w) * double(logNormaliser - labelLogit) + w * double(logNormaliser - partnerLogit);
        row[labels[b]] -= gradientScale * float(1.0 - w);
        row[mixed->partnerLabels[b]] -= gradientScale * float(w);
    }
    return lossSum;
}

// From dz (rows × d, before any final-residual mixing) through the MLP to dResidual,
// with the chunk's partial dW_in, db_in, dW_out, db_out and its residual-row gradients.
void FusedTransformer::mlpBackwardRows(const Parameters& p, const int64_t* tokens, int64_t rows, const RowView& r,
                                       float* partial) const
{
    const int64_t d = m_shape.dModel, length = m_shape.length, mlp = m_shape.dMlp;
    const int64_t tail = m_offsets.wO;
    float* dbOut = partial + (m_offsets.bOut - tail);
    float* dbIn = partial + (m_offsets.bIn - tail);
    std::fill(dbOut, dbOut + d, 0.0f);
    std::fill(dbIn, dbIn + mlp, 0.0f);
    for (int64_t b = 0; b < rows; ++b)
        axpy(1.0f, r.dz + b * d, dbOut, d);
    gemm(p.productPrecision, Op::Transpose, Op::None, mlp, d, rows, 1.0f, r.hidden, mlp, r.dz, d, 0.0f,
         partial + (m_offsets.wOut - tail), d);
    gemm(p.productPrecision, Op::None, Op::Transpose, rows, mlp, d, 1.0f, r.dz, d, p.wOut, d, 0.0f, r.dHidden, mlp);
    scaleByActivationSlope(m_shape.activation, r.pre, r.dHidden, rows * mlp);
    for (int64_t b = 0; b < rows; ++b)
        axpy(1.0f, r.dHidden + b * mlp, dbIn, mlp);
    gemm(p.productPrecision, Op::Transpose, Op::None, d, mlp, rows, 1.0f, r.residual, d, r.dHidden, mlp, 0.0f,
         partial + (m_offsets.wIn - tail), mlp);
    std::copy(r.dz, r.dz + rows * d, r.dResidual);
    gemm(p.productPrecision, Op::None, Op::Transpose, rows, d, mlp, 1.0f, r.dHidden, mlp, p.wIn, mlp, 1.0f,
         r.dResidual, d);
    float* dResidualRows = tableGradients(partial).residualRows;
    for (int64_t b = 0; b < rows; ++b) {
        const int64_t row = tokens[b * length + length - 1] * length + length - 1;
        axpy(1.0f, r.dResidual + b * d, dResidualRows + row * d, d);
    }
}

// From dAttended (rows × d) to the chunk's partial dW_O and its query, key and value
// table gradients.
__attribute__((target_clones("avx2", "default"))) void FusedTransformer::attentionBackwardRows(const Parameters& p, const int64_t* tokens, int64_t rows,
                                             const float* dAttended, const RowView& r, float* partial) const
{
    const int64_t d = m_shape.dModel, length = m_shape.length, heads = m_shape.heads, dHead = d / heads;
    const float scale = std::sqrt(float(dHead));
    const int64_t tail = m_offsets.wO;
    const TableGradients tables = tableGradients(partial);
    float *dQueries = tables.queries, *dKeys = tables.keys, *dValues = tables.values;
    gemm(p.productPrecision, Op::Transpose, Op::None, d, d, rows, 1.0f, r.mixed, d, dAttended, d, 0.0f,
         partial + (m_offsets.wO - tail), d);
    gemm(p.productPrecision, Op::None, Op::Transpose, rows, d, d, 1.0f, dAttended, d, p.wO, d, 0.0f, r.dMixed, d);
    // dWeights[h·L + j] = dMixed_h · v_hj, all of an example's dots at once (interleaved).
    std::vector<float> dWeights(size_t(heads * length));
    for (int64_t b = 0; b < rows; ++b) {
        const int64_t* t = tokens + b * length;
        const float* query = m_queries.data() + t[length - 1] * d;
        float* dQuery = dQueries + t[length - 1] * d;
        interleavedDots(
            heads * length, dHead,
            [&](int64_t m) {
                const int64_t h = m / length, j = m % length;
                return std::pair<const float*, const float*>(
                    r.dMixed + b * d + h * dHead, m_values.data() + (t[j] * length + j) * d + h * dHead);
            },
            dWeights.data());
        for (int64_t h = 0; h < heads; ++h) {
            const float* weight = r.weights + (b * heads + h) * length;
            const float* dm = r.dMixed + b * d + h * dHead;
            const float* dWeight = dWeights.data() + h * length;
            float weighted = 0.0f;
            for (int64_t j = 0; j < length; ++j) {
                const int64_t row = (t[j] * length + j) * d + h * dHead;
                weighted += weight[j] * dWeight[j];
                axpy(weight[j], dm, dValues + row, dHead);
            }
            for (int64_t j = 0; j < length; ++j) {
                const int64_t row = (t[j] * length + j) * d + h * dHead;
                const float dScore = weight[j] * (dWeight[j] - weighted) / scale;
                axpy(dScore, m_keys.data() + row, dQuery + h * dHead, dHead);
                axpy(dScore, query + h * dHead, dKeys + row, dHead);
            }
        }
    }
}

// Partial 0 += partials 1 … K−1 in chunk order; then W_O … unembed into the gradients.
void FusedTransformer::reducePartials(float* gradients)
{
    const int64_t tailSize = m_offsets.total - m_offsets.wO;
    const int parts = m_pool.threads();
    m_pool.run(parts, [&](int part) {
        const auto [begin, end] = chunkRange(m_partialSize, parts, part);
        float* sum = m_partials[0].data();
        for (int c = 1; c < kChunks; ++c) {
            const float* add = m_partials[c].data();
            for (int64_t i = begin; i < end; ++i)
                sum[i] += add[i];
        }
        const int64_t copyEnd = std::min(end, tailSize);
        if (begin < copyEnd)
            std::copy(sum + begin, sum + copyEnd, gradients + m_offsets.wO + begin);
    });
}

// dW_Q, dW_K, dW_V from the reduced table gradients, and the embedding and position
// gradients from dX = residual rows + the three projections' input gradients.
void FusedTransformer::finishTableGradients(const Parameters& p, float* gradients)
{
    const int64_t d = m_shape.dModel, length = m_shape.length, vocabulary = m_shape.vocabulary;
    const TableGradients tables = tableGradients(m_partials[0].data());
    const float *dQueries = tables.queries, *dKeys = tables.keys, *dValues = tables.values;
    const float* dResidualRows = tables.residualRows;
    const float* lastRows = m_x.data() + (length - 1) * d;
    m_pool.run(2, [&](int task) {
        if (task == 0) {
            gemm(p.productPrecision, Op::Transpose, Op::None, d, d, m_tableRows, 1.0f, m_x.data(), d, dKeys, d, 0.0f,
                 gradients + m_offsets.wK, d);
            gemm(p.productPrecision, Op::None, Op::Transpose, m_tableRows, d, d, 1.0f, dKeys, d, p.wK, d, 0.0f,
                 m_dxKeys.data(), d);
            gemm(p.productPrecision, Op::Transpose, Op::None, d, d, vocabulary, 1.0f, lastRows, length * d, dQueries, d,
                 0.0f, gradients + m_offsets.wQ, d);
        } else {
            gemm(p.productPrecision, Op::Transpose, Op::None, d, d, m_tableRows, 1.0f, m_x.data(), d, dValues, d, 0.0f,
                 gradients + m_offsets.wV, d);
            gemm(p.productPrecision, Op::None, Op::Transpose, m_tableRows, d, d, 1.0f, dValues, d, p.wV, d, 0.0f,
                 m_dxValues.data(), d);
            gemm(p.productPrecision, Op::None, Op::Transpose, vocabulary, d, d, 1.0f, dQueries, d, p.wQ, d, 0.0f,
                 m_dxQueries.data(), d);
        }
    });
    float* dEmbed = gradients + m_offsets.embed;
    float* dPosition = gradients + m_offsets.position;
    std::fill(dEmbed, dEmbed + vocabulary * d, 0.0f);
    std::fill(dPosition, dPosition + length * d, 0.0f);
    for (int64_t v = 0; v < vocabulary; ++v)
        for (int64_t j = 0; j < length; ++j) {
            const int64_t row = (v * length + j) * d;
            for (int64_t k = 0; k < d; ++k) {
                float dx = dResidualRows[row + k] + m_dxKeys[row + k] + m_dxValues[row + k];
                if (j == length - 1)
                    dx += m_dxQueries[v * d + k];
                dEmbed[v * d + k] += dx;
                dPosition[j * d + k] += dx;
            }
        }
}

}  // namespace grokscope
