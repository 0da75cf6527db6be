#include "model/fused_transformer.h"

#include "compute/sgemm.h"
#include "compute/weighted_rows.h"
#include "compute/worker_pool.h"
#include "model/logit_rows.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace grokscope {

namespace {

constexpr int kMaxLength = 16;

// pre += bias (per row of `width`), then hidden = act(pre): torch's ReLU or exact
// GELU. One loop per kind so that ReLU's vectorises.
void biasAndActivate(Activation kind, const float* bias, float* pre, float* hidden, int64_t rows, int64_t width)
{
    for (int64_t b = 0; b < rows; ++b) {
        float* x = pre + b * width;
        float* y = hidden + b * width;
        if (kind == Activation::Relu) {
            for (int64_t i = 0; i < width; ++i) {
                x[i] += bias[i];
                y[i] = x[i] > 0.0f ? x[i] : 0.0f;
            }
            continue;
        }
        for (int64_t i = 0; i < width; ++i) {
            x[i] += bias[i];
            y[i] = 0.5f * x[i] * (1.0f + std::erf(x[i] * float(M_SQRT1_2)));
        }
    }
}

// gradient *= act'(pre).
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

void axpy(float alpha, const float* x, float* y, int64_t n)
{
    for (int64_t i = 0; i < n; ++i)
        y[i] += alpha * x[i];
}

// y += rows[0] + rows[1] + … + rows[count − 1], each `width` long and stored one after another.
void addHeadRows(const float* rows, int64_t count, int64_t width, float* y)
{
    for (int64_t r = 0; r < count; ++r)
        for (int64_t c = 0; c < width; ++c)
            y[c] += rows[r * width + c];
}

// out_i = (1 − α) x_i + α x_π(i): representation mixing (grok_model.h).
void mixRows(const float* x, float* out, const int64_t* permutation, int64_t rows, int64_t width, double alpha)
{
    const float keep = float(1.0 - alpha), take = float(alpha);
    for (int64_t i = 0; i < rows; ++i) {
        const float* own = x + i * width;
        const float* other = x + permutation[i] * width;
        for (int64_t k = 0; k < width; ++k)
            out[i * width + k] = own[k] * keep + other[k] * take;
    }
}

// Its adjoint: dx_i = (1 − α) dout_i, then dx_π(k) += α dout_k.
void unmixRows(const float* dOut, float* dx, const int64_t* permutation, int64_t rows, int64_t width, double alpha)
{
    const float keep = float(1.0 - alpha), take = float(alpha);
    for (int64_t i = 0; i < rows * width; ++i)
        dx[i] = dOut[i] * keep;
    for (int64_t k = 0; k < rows; ++k)
        axpy(take, dOut + k * width, dx + permutation[k] * width, width);
}

// Rows [begin, end) of chunk `index` when `total` rows are cut into `chunks`.
std::pair<int64_t, int64_t> chunkRange(int64_t total, int chunks, int index)
{
    const int64_t base = total / chunks, extra = total % chunks;
    const int64_t begin = index * base + std::min<int64_t>(index, extra);
    return {begin, begin + base + (index < extra ? 1 : 0)};
}

}  // namespace

// Where a chunk's partial keeps its table gradients, after W_O … unembed.
struct FusedTransformer::TableGradients {
    float *queries, *keys, *values, *residualRows;
};

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

// Pointers into an Activations' arrays from one row on: what one chunk works on.
struct FusedTransformer::RowView {
    float *weights, *mixed, *attended, *attendedMixed, *residual, *pre, *hidden, *z, *zMixed, *logits;
    float *dzMixed, *dz, *dHidden, *dResidual, *dAttended, *dMixed;
};

// Per-row activations and their gradients for up to `capacity` rows.
struct FusedTransformer::Activations {
    int64_t capacity = 0;
    std::vector<float> weights;   // attention probabilities, rows × heads × length
    std::vector<float> mixed;     // Σ_j a_j v_j per head, rows × d
    std::vector<float> attended;  // mixed · W_O
    std::vector<float> attendedMixed;
    std::vector<float> residual;  // final position's x + attended
    std::vector<float> pre, hidden;        // MLP pre-activation (GELU only) and activation, rows × d_mlp
    std::vector<float> z, zMixed, logits;  // representation, unembedding input, logits
    std::vector<float> dzMixed, dz, dHidden, dResidual, dAttended, dMixed;

    void reserve(int64_t rows, const FusedTransformerShape& s, bool training)
    {
        if (rows <= capacity)
            return;
        capacity = rows;
        const int64_t d = s.dModel;
        weights.resize(rows * s.heads * s.length);
        for (auto* v : {&mixed, &attended, &residual, &z})
            v->resize(rows * d);
        // ReLU's slope is readable from its output, so its pre-activation shares the
        // hidden array: 512 KB less per chunk to stream through the cache.
        if (s.activation != Activation::Relu)
            pre.resize(rows * s.dMlp);
        hidden.resize(rows * s.dMlp);
        logits.resize(rows * s.classes);
        if (!training)
            return;
        for (auto* v : {&attendedMixed, &zMixed, &dzMixed, &dz, &dResidual, &dAttended, &dMixed})
            v->resize(rows * d);
        dHidden.resize(rows * s.dMlp);
    }

    // The same arrays from row `begin` on: what one chunk works on.
    RowView view(int64_t begin, const FusedTransformerShape& s)
    {
        const int64_t d = s.dModel, mlp = s.dMlp;
        auto at = [begin](std::vector<float>& v, int64_t width) { return v.empty() ? nullptr : v.data() + begin * width; };
        RowView r;
        r.weights = at(weights, int64_t(s.heads) * s.length);
        r.mixed = at(mixed, d);
        r.attended = at(attended, d);
        r.attendedMixed = at(attendedMixed, d);
        r.residual = at(residual, d);
        r.hidden = at(hidden, mlp);
        r.pre = s.activation == Activation::Relu ? r.hidden : at(pre, mlp);
        r.z = at(z, d);
        r.zMixed = at(zMixed, d);
        r.logits = at(logits, s.classes);
        r.dzMixed = at(dzMixed, d);
        r.dz = at(dz, d);
        r.dHidden = at(dHidden, mlp);
        r.dResidual = at(dResidual, d);
        r.dAttended = at(dAttended, d);
        r.dMixed = at(dMixed, d);
        return r;
    }
};

struct FusedTransformer::Parameters {
    const float *embed, *position, *wQ, *wK, *wV, *wO, *wIn, *bIn, *wOut, *bOut, *unembed;
    Parameters(const float* base, const FusedTransformerOffsets& o)
        : embed(base + o.embed), position(base + o.position), wQ(base + o.wQ), wK(base + o.wK), wV(base + o.wV),
          wO(base + o.wO), wIn(base + o.wIn), bIn(base + o.bIn), wOut(base + o.wOut), bOut(base + o.bOut),
          unembed(base + o.unembed)
    {
    }
};

FusedTransformer::FusedTransformer(const FusedTransformerShape& shape, const FusedTransformerOffsets& offsets,
                                   WorkerPool& pool)
    : m_shape(shape), m_offsets(offsets), m_pool(pool)
{
    if (shape.length < 1 || shape.length > kMaxLength || shape.heads < 1 || shape.dModel % shape.heads != 0)
        throw std::invalid_argument("FusedTransformer: unsupported shape");
    // The chunks' partial gradients cover W_O … unembed as one contiguous range.
    const int64_t tail = offsets.wO;
    for (int64_t o : {offsets.wIn, offsets.bIn, offsets.wOut, offsets.bOut, offsets.unembed})
        if (o < tail)
            throw std::invalid_argument("FusedTransformer: W_O … unembed must follow the embeddings and W_Q/W_K/W_V");
    for (int64_t o : {offsets.embed, offsets.position, offsets.wQ, offsets.wK, offsets.wV})
        if (o >= tail)
            throw std::invalid_argument("FusedTransformer: embeddings and W_Q/W_K/W_V must precede W_O");
    const int64_t d = shape.dModel;
    m_tableRows = int64_t(shape.vocabulary) * shape.length;
    for (auto* v : {&m_x, &m_keys, &m_values, &m_dxKeys, &m_dxValues})
        v->resize(m_tableRows * d);
    m_queries.resize(int64_t(shape.vocabulary) * d);
    m_dxQueries.resize(int64_t(shape.vocabulary) * d);
    // W_O … unembed, then dQueries (V×d), dKeys, dValues and the residual rows (VL×d each).
    m_partialSize = (offsets.total - tail) + int64_t(shape.vocabulary) * d + 3 * m_tableRows * d;
    m_partials.assign(kChunks, std::vector<float>(m_partialSize));
    m_batch = std::make_unique<Activations>();
    // Inference arrays and evaluation tables at their final sizes here, so that the
    // run's first evaluation does not pay for allocating them.
    m_blocks.resize(pool.threads());
    for (Activations& a : m_blocks)
        a.reserve(kEvalBlockRows, shape, false);
    const int64_t heads = shape.heads, mlp = shape.dMlp, classes = shape.classes, vocabulary = shape.vocabulary;
    m_outputHidden.resize(d * mlp);
    m_outputLogits.resize(d * classes);
    m_hiddenLogits.resize(mlp * classes);
    m_valueHidden.resize(m_tableRows * heads * mlp);
    m_valueLogits.resize(m_tableRows * heads * classes);
    m_queryHidden.resize(vocabulary * mlp);
    m_queryLogits.resize(vocabulary * classes);
    m_queryScores.resize(vocabulary * m_tableRows * heads);
    m_foldedValues.resize(m_values.size());
}

FusedTransformer::~FusedTransformer() = default;

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
    m_pool.run(2, [&](int task) {
        if (task == 0) {
            sgemm(Op::None, Op::None, m_tableRows, d, d, 1.0f, m_x.data(), d, p.wK, d, 0.0f, m_keys.data(), d);
            sgemm(Op::None, Op::None, m_shape.vocabulary, d, d, 1.0f, lastRows, length * d, p.wQ, d, 0.0f,
                  m_queries.data(), d);
        } else {
            sgemm(Op::None, Op::None, m_tableRows, d, d, 1.0f, m_x.data(), d, p.wV, d, 0.0f, m_values.data(), d);
        }
    });
}

// Softmax weights of the final position's attention over all positions, heads ×
// length, for one example's tokens t (no mask is needed: the query is last).
inline void FusedTransformer::attentionWeights(const int64_t* t, float* weights) const
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

// Scores (heads × length, already divided by √d_h) to softmax weights, in place.
inline void FusedTransformer::softmaxPerHead(float* weights) const
{
    const int64_t length = m_shape.length;
    for (int64_t h = 0; h < m_shape.heads; ++h) {
        float* weight = weights + h * length;
        float largest = -INFINITY;
        for (int64_t j = 0; j < length; ++j)
            largest = std::max(largest, weight[j]);
        float total = 0.0f;
        for (int64_t j = 0; j < length; ++j)
            total += weight[j] = std::exp(weight[j] - largest);
        for (int64_t j = 0; j < length; ++j)
            weight[j] /= total;
    }
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
    sgemm(Op::None, Op::None, productRows, d, d, 1.0f, r.mixed, d, p.wO, d, 0.0f, r.attended, d);
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
        sgemm(Op::None, Op::None, rows, mlp, d, 1.0f, r.residual, d, p.wIn, mlp, 0.0f, r.pre, mlp);
    if (!preFromTables || m_shape.activation != Activation::Relu)
        biasAndActivate(m_shape.activation, p.bIn, r.pre, r.hidden, rows, mlp);
    for (int64_t b = 0; b < rows; ++b)
        for (int64_t k = 0; k < d; ++k)
            r.z[b * d + k] = r.residual[b * d + k] + p.bOut[k];
    sgemm(Op::None, Op::None, productRows, d, mlp, 1.0f, r.hidden, mlp, p.wOut, d, 1.0f, r.z, d);
}

double FusedTransformer::crossEntropyRows(float* logits, const int64_t* labels, int64_t rows,
                                          float gradientScale) const
{
    const int64_t classes = m_shape.classes;
    double lossSum = 0.0;
    for (int64_t b = 0; b < rows; ++b) {
        float* row = logits + b * classes;
        const float largest = *std::max_element(row, row + classes);
        const float labelLogit = row[labels[b]];
        float total = 0.0f;
        for (int64_t c = 0; c < classes; ++c)
            total += row[c] = std::exp(row[c] - largest);
        lossSum += double(largest + std::log(total) - labelLogit);
        const float factor = gradientScale / total;
        for (int64_t c = 0; c < classes; ++c)
            row[c] *= factor;
        row[labels[b]] -= gradientScale;
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
    sgemm(Op::Transpose, Op::None, mlp, d, rows, 1.0f, r.hidden, mlp, r.dz, d, 0.0f, partial + (m_offsets.wOut - tail), d);
    sgemm(Op::None, Op::Transpose, rows, mlp, d, 1.0f, r.dz, d, p.wOut, d, 0.0f, r.dHidden, mlp);
    scaleByActivationSlope(m_shape.activation, r.pre, r.dHidden, rows * mlp);
    for (int64_t b = 0; b < rows; ++b)
        axpy(1.0f, r.dHidden + b * mlp, dbIn, mlp);
    sgemm(Op::Transpose, Op::None, d, mlp, rows, 1.0f, r.residual, d, r.dHidden, mlp, 0.0f, partial + (m_offsets.wIn - tail), mlp);
    std::copy(r.dz, r.dz + rows * d, r.dResidual);
    sgemm(Op::None, Op::Transpose, rows, d, mlp, 1.0f, r.dHidden, mlp, p.wIn, mlp, 1.0f, r.dResidual, d);
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
    sgemm(Op::Transpose, Op::None, d, d, rows, 1.0f, r.mixed, d, dAttended, d, 0.0f, partial + (m_offsets.wO - tail), d);
    sgemm(Op::None, Op::Transpose, rows, d, d, 1.0f, dAttended, d, p.wO, d, 0.0f, r.dMixed, d);
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
            sgemm(Op::Transpose, Op::None, d, d, m_tableRows, 1.0f, m_x.data(), d, dKeys, d, 0.0f,
                  gradients + m_offsets.wK, d);
            sgemm(Op::None, Op::Transpose, m_tableRows, d, d, 1.0f, dKeys, d, p.wK, d, 0.0f, m_dxKeys.data(), d);
            sgemm(Op::Transpose, Op::None, d, d, vocabulary, 1.0f, lastRows, length * d, dQueries, d, 0.0f,
                  gradients + m_offsets.wQ, d);
        } else {
            sgemm(Op::Transpose, Op::None, d, d, m_tableRows, 1.0f, m_x.data(), d, dValues, d, 0.0f,
                  gradients + m_offsets.wV, d);
            sgemm(Op::None, Op::Transpose, m_tableRows, d, d, 1.0f, dValues, d, p.wV, d, 0.0f, m_dxValues.data(), d);
            sgemm(Op::None, Op::Transpose, vocabulary, d, d, 1.0f, dQueries, d, p.wQ, d, 0.0f, m_dxQueries.data(), d);
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

double FusedTransformer::trainStep(const float* parameters, float* gradients, const int64_t* tokens,
                                   const int64_t* labels, int64_t batch, const FusedMixing* mixing,
                                   const RepresentationGradient& extra)
{
    const Parameters p(parameters, m_offsets);
    const int64_t d = m_shape.dModel, length = m_shape.length, classes = m_shape.classes;
    const int64_t tail = m_offsets.wO;
    const bool mixAttention = mixing && mixing->site == MixingSite::AttentionOutput;
    const bool mixFinal = mixing && mixing->site == MixingSite::FinalResidual;
    if (mixing && !mixAttention && !mixFinal)
        throw std::logic_error("FusedTransformer: embedding mixing runs on the autograd path");
    Activations& a = *m_batch;
    a.reserve(batch, m_shape, true);
    // Each region below runs the chunks in parallel; between regions, steps that read
    // across chunks (mixing, the extra loss terms) run on the whole batch.
    struct Chunk {
        const int64_t* tokens;
        const int64_t* labels;
        int64_t rows;
        RowView r;
        float* partial;
        int index;
    };
    auto forEachChunk = [&](const std::function<void(const Chunk&)>& body) {
        m_pool.run(kChunks, [&](int chunk) {
            const auto [begin, end] = chunkRange(batch, kChunks, chunk);
            body(Chunk{tokens + begin * length, labels + begin, end - begin, a.view(begin, m_shape),
                       m_partials[chunk].data(), chunk});
        });
    };
    // Stages per chunk. A stage that reads across chunks (mixing, the extra terms) needs
    // the previous stages done for the whole batch first; the others share a region.
    std::vector<double> chunkLoss(kChunks, 0.0);
    const float gradientScale = 1.0f / float(batch);
    auto attend = [&](const Chunk& c) {
        // W_O … unembed are overwritten below; the table gradients are scattered into.
        std::fill(tableGradients(c.partial).queries, c.partial + m_partialSize, 0.0f);
        attendRows(p, c.tokens, c.rows, c.rows, c.r);
    };
    auto mlp = [&](const Chunk& c) {
        mlpRows(p, c.tokens, c.rows, c.rows, mixAttention ? c.r.attendedMixed : c.r.attended, c.r);
    };
    // Logits, loss and dz of the unembedding's input.
    auto unembed = [&](const Chunk& c) {
        const float* zIn = mixFinal ? c.r.zMixed : c.r.z;
        float* dzIn = mixFinal ? c.r.dzMixed : c.r.dz;
        float* logits = c.r.logits;
        sgemm(Op::None, Op::None, c.rows, classes, d, 1.0f, zIn, d, p.unembed, classes, 0.0f, logits, classes);
        chunkLoss[c.index] = crossEntropyRows(logits, c.labels, c.rows, gradientScale);
        sgemm(Op::Transpose, Op::None, d, classes, c.rows, 1.0f, zIn, d, logits, classes, 0.0f,
              c.partial + (m_offsets.unembed - tail), classes);
        sgemm(Op::None, Op::Transpose, c.rows, d, classes, 1.0f, logits, classes, p.unembed, classes, 0.0f, dzIn, d);
    };
    auto mlpBackward = [&](const Chunk& c) { mlpBackwardRows(p, c.tokens, c.rows, c.r, c.partial); };
    auto attentionBackward = [&](const Chunk& c) {
        attentionBackwardRows(p, c.tokens, c.rows, mixAttention ? c.r.dAttended : c.r.dResidual, c.r, c.partial);
    };
    using Stage = std::function<void(const Chunk&)>;
    auto region = [&](const std::vector<Stage>& stages) {
        forEachChunk([&](const Chunk& c) {
            for (const Stage& stage : stages)
                stage(c);
        });
    };

    buildTables(p);
    // Without mixing or extra terms every chunk runs forward and backward in one region.
    // A step over the whole batch first finishes the stages queued so far.
    std::vector<Stage> pending;
    auto wholeBatch = [&](const std::function<void()>& step) {
        region(pending);
        pending.clear();
        step();
    };
    const double alpha = mixing ? mixing->alpha : 0.0;
    const int64_t* permutation = mixing ? mixing->permutation : nullptr;
    pending.push_back(attend);
    if (mixAttention)
        wholeBatch([&] { mixRows(a.attended.data(), a.attendedMixed.data(), permutation, batch, d, alpha); });
    pending.push_back(mlp);
    if (mixFinal)
        wholeBatch([&] { mixRows(a.z.data(), a.zMixed.data(), permutation, batch, d, alpha); });
    pending.push_back(unembed);
    if (mixFinal || extra)
        wholeBatch([&] {
            if (extra)
                extra(mixFinal ? a.zMixed.data() : a.z.data(), mixFinal ? a.dzMixed.data() : a.dz.data(), batch, d);
            if (mixFinal)
                unmixRows(a.dzMixed.data(), a.dz.data(), permutation, batch, d, alpha);
        });
    pending.push_back(mlpBackward);
    if (mixAttention)
        wholeBatch([&] { unmixRows(a.dResidual.data(), a.dAttended.data(), permutation, batch, d, alpha); });
    pending.push_back(attentionBackward);
    region(pending);
    double lossSum = 0.0;
    for (double l : chunkLoss)
        lossSum += l;
    reducePartials(gradients);
    finishTableGradients(p, gradients);
    return lossSum / double(batch);
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

// Evaluation needs logits only, and before the MLP's nonlinearity everything is linear
// in the attention weights: with A = W_O·W_in and B = W_O·U (split by head rows),
//   pre    = x_q·W_in + Σ_h Σ_j w_hj · (v_h[row_j] · A_h) + b_in
//   logits = x_q·U + b_out·U + Σ_h Σ_j w_hj · (v_h[row_j] · B_h) + act(pre) · (W_out·U)
// The bracketed rows are tabulated once per evaluation for every (token, position)
// row an example reads, so an example reads heads × length rows (heads × (length − 1)
// with the fold below) where the training path multiplies by W_O, W_in, W_out and U:
// about a third of the floating-point work per example. The attention scores are
// tabulated too, for the query tokens the splits contain (in practice one, '='), with
// the training path's dot products.
//
// The fold: each head's weights sum to 1, so with one query token q for every example
// the query position's term is Σ_h w_h,q·T_h(q) = Σ_h T_h(q) − Σ_h Σ_{j<last} w_hj·T_h(q):
// the earlier positions' rows become T_h(row) − T_h(q) and the constant Σ_h T_h(q)
// joins q's base row. An example then reads (length − 1)·heads rows instead of
// length·heads, for the hidden table and the logits table alike.
void FusedTransformer::buildEvaluationTables(const Parameters& p, const std::vector<Split>& splits)
{
    const int64_t d = m_shape.dModel, heads = m_shape.heads, dHead = d / heads, mlp = m_shape.dMlp,
                  classes = m_shape.classes, length = m_shape.length, vocabulary = m_shape.vocabulary;
    std::vector<char> queried(static_cast<size_t>(vocabulary), 0);
    for (const Split& split : splits)
        for (int64_t i = 0; i < split.count; ++i)
            queried[static_cast<size_t>(split.tokens[i * length + length - 1])] = 1;
    m_sharedQuery = -1;
    if (std::count(queried.begin(), queried.end(), char(1)) == 1)
        m_sharedQuery = std::find(queried.begin(), queried.end(), char(1)) - queried.begin();
    // Two tasks of about equal work, then one per head and earlier position (every
    // token's rows) and one for the query tokens (in practice one token, '='): the
    // final position's rows of other tokens are never read.
    m_pool.run(2, [&](int task) {
        if (task == 0) {
            sgemm(Op::None, Op::None, d, mlp, d, 1.0f, p.wO, d, p.wIn, mlp, 0.0f, m_outputHidden.data(), mlp);
            return;
        }
        sgemm(Op::None, Op::None, d, classes, d, 1.0f, p.wO, d, p.unembed, classes, 0.0f, m_outputLogits.data(),
              classes);
        sgemm(Op::None, Op::None, mlp, classes, d, 1.0f, p.wOut, d, p.unembed, classes, 0.0f, m_hiddenLogits.data(),
              classes);
    });
    const float* lastRows = m_x.data() + (length - 1) * d;
    // With the fold (above), the earlier positions' rows are tabulated from their
    // values minus the query row's, v_h[row] − v_h[q]: T_h is linear, so this is
    // T_h(row) − T_h(q) without a pass over the finished tables.
    const float* values = m_values.data();
    if (m_sharedQuery >= 0) {
        const float* query = m_values.data() + (m_sharedQuery * length + length - 1) * d;
        for (int64_t row = 0; row < m_tableRows; ++row) {
            if (row % length == length - 1)
                continue;
            for (int64_t c = 0; c < d; ++c)
                m_foldedValues[static_cast<size_t>(row * d + c)] = m_values[static_cast<size_t>(row * d + c)] - query[c];
        }
        values = m_foldedValues.data();
    }
    // Rows `count` apart by `stride` table rows from `row`, head h: value · (W_O·W_in)_h
    // and value · (W_O·U)_h, reading `from`.
    auto valueRows = [&](const float* from, int64_t row, int64_t count, int64_t stride, int64_t h) {
        const float* v = from + row * d + h * dHead;
        sgemm(Op::None, Op::None, count, mlp, dHead, 1.0f, v, stride * d, m_outputHidden.data() + h * dHead * mlp,
              mlp, 0.0f, m_valueHidden.data() + (row * heads + h) * mlp, stride * heads * mlp);
        sgemm(Op::None, Op::None, count, classes, dHead, 1.0f, v, stride * d,
              m_outputLogits.data() + h * dHead * classes, classes, 0.0f,
              m_valueLogits.data() + (row * heads + h) * classes, stride * heads * classes);
    };
    // Taken as threads come free: the short query task last fills the gap.
    const int valueTasks = int(heads * (length - 1));
    m_pool.runDynamic(valueTasks + 1, [&](int task, int) {
        if (task < valueTasks) {
            valueRows(values, task / heads, vocabulary, length, task % heads);  // position task / heads
            return;
        }
        // Per query token: its value rows; x_q·W_in; x_q·U + b_out·U = (x_q + b_out)·U,
        // one axpy per input dimension; the scaled scores against every table row.
        const float scale = std::sqrt(float(dHead));
        for (int64_t v = 0; v < vocabulary; ++v) {
            if (!queried[static_cast<size_t>(v)])
                continue;
            const int64_t queryRow = v * length + length - 1;
            for (int64_t h = 0; h < heads; ++h)
                valueRows(m_values.data(), queryRow, 1, length, h);
            const float* x = lastRows + v * length * d;
            sgemm(Op::None, Op::None, 1, mlp, d, 1.0f, x, d, p.wIn, mlp, 0.0f, m_queryHidden.data() + v * mlp, mlp);
            float* row = m_queryLogits.data() + v * classes;
            std::fill(row, row + classes, 0.0f);
            for (int64_t k = 0; k < d; ++k)
                axpy(x[k] + p.bOut[k], p.unembed + k * classes, row, classes);
            if (v == m_sharedQuery) {
                addHeadRows(m_valueHidden.data() + queryRow * heads * mlp, heads, mlp, m_queryHidden.data() + v * mlp);
                addHeadRows(m_valueLogits.data() + queryRow * heads * classes, heads, classes, row);
            }
            float* scores = m_queryScores.data() + v * m_tableRows * heads;
            interleavedDots(
                m_tableRows * heads, dHead,
                [&](int64_t m) {
                    const int64_t row = m / heads, h = m % heads;
                    return std::pair(m_queries.data() + v * d + h * dHead, m_keys.data() + row * d + h * dHead);
                },
                scores);
            for (int64_t m = 0; m < m_tableRows * heads; ++m)
                scores[m] /= scale;
        }
    });
}

// Logits of an evaluation block from the tables above (activations' weights, hidden
// and logits arrays; ReLU's pre-activation is never stored).
void FusedTransformer::evaluationLogitsRows(const Parameters& p, const int64_t* tokens, int64_t rows,
                                            const RowView& r) const
{
    const int64_t length = m_shape.length, heads = m_shape.heads, mlp = m_shape.dMlp, classes = m_shape.classes;
    for (int64_t b = 0; b < rows; ++b) {
        const int64_t* t = tokens + b * length;
        float* weights = r.weights + b * heads * length;
        const float* scores = m_queryScores.data() + t[length - 1] * m_tableRows * heads;
        for (int64_t h = 0; h < heads; ++h)
            for (int64_t j = 0; j < length; ++j)
                weights[h * length + j] = scores[(t[j] * length + j) * heads + h];
        softmaxPerHead(weights);
    }
    tableHiddenRows(p, tokens, rows, r, r.logits);
    if (m_shape.activation != Activation::Relu)
        biasAndActivate(m_shape.activation, p.bIn, r.pre, r.hidden, rows, mlp);
    sgemm(Op::None, Op::None, rows, classes, mlp, 1.0f, r.hidden, mlp, m_hiddenLogits.data(), classes, 1.0f, r.logits,
          classes);
}

// Per row, from its attention weights (r.weights) and the evaluation tables: the MLP's
// input product plus b_in, activated into r.hidden for ReLU (else into r.pre, without
// b_in, for biasAndActivate), and, when `logits` is given, the logits' table part
// x_q·U + b_out·U + Σ w·(v·W_O·U) into it.
void FusedTransformer::tableHiddenRows(const Parameters& p, const int64_t* tokens, int64_t rows, const RowView& r,
                                       float* logits) const
{
    const int64_t length = m_shape.length, heads = m_shape.heads, mlp = m_shape.dMlp, classes = m_shape.classes;
    const bool relu = m_shape.activation == Activation::Relu;
    // With the query position folded into the base row, its rows are not read.
    const int64_t positions = m_sharedQuery >= 0 ? length - 1 : length;
    const int count = int(positions * heads);
    // Row k = j·heads + h: the order in which the rows are added.
    std::vector<const float*> hiddenRows(static_cast<size_t>(count)), logitRows(static_cast<size_t>(count));
    std::vector<float> rowWeights(static_cast<size_t>(count));
    for (int64_t b = 0; b < rows; ++b) {
        const int64_t* t = tokens + b * length;
        const int64_t query = t[length - 1];
        const float* weights = r.weights + b * heads * length;
        for (int64_t j = 0; j < positions; ++j) {
            const int64_t row = t[j] * length + j;
            for (int64_t h = 0; h < heads; ++h) {
                const size_t k = static_cast<size_t>(j * heads + h);
                rowWeights[k] = weights[h * length + j];
                hiddenRows[k] = m_valueHidden.data() + (row * heads + h) * mlp;
                logitRows[k] = m_valueLogits.data() + (row * heads + h) * classes;
            }
        }
        weightedRowSum(m_queryHidden.data() + query * mlp, hiddenRows.data(), rowWeights.data(), count, mlp,
                       relu ? RowSumFinish{p.bIn, true} : RowSumFinish{}, relu ? r.hidden + b * mlp : r.pre + b * mlp);
        if (logits)
            weightedRowSum(m_queryLogits.data() + query * classes, logitRows.data(), rowWeights.data(), count,
                           classes, RowSumFinish{}, logits + b * classes);
    }
}

std::vector<SplitSums> FusedTransformer::evaluate(const float* parameters, const std::vector<Split>& splits,
                                                 double saturationEpsilon, const EvaluationAlongside& alongside)
{
    const Parameters p(parameters, m_offsets);
    buildTables(p);
    // The probe's rows read the tables too (inferBlock): their query tokens count.
    std::vector<Split> queried = splits;
    if (alongside.probeCount > 0)
        queried.push_back({alongside.probeTokens, nullptr, alongside.probeCount});
    buildEvaluationTables(p, queried);
    const int64_t length = m_shape.length, classes = m_shape.classes;
    // Every split's blocks in one parallel region; a block's sums depend on its rows only.
    struct Block {
        size_t split;
        int64_t begin, rows;
    };
    std::vector<Block> blocks;
    for (size_t i = 0; i < splits.size(); ++i)
        for (int64_t begin = 0; begin < splits[i].count; begin += kEvalBlockRows)
            blocks.push_back({i, begin, std::min(kEvalBlockRows, splits[i].count - begin)});
    // Blocks are taken as threads come free (a block's sums depend on its rows only);
    // `alongside` is task 0, so one thread starts on it and the others on the blocks.
    // A thread finishes a task before it takes the next, so the alongside's probe
    // forward can use that thread's arrays too.
    const int first = alongside.empty() ? 0 : 1;
    std::vector<SplitSums> sums(blocks.size());
    m_pool.runDynamic(int(blocks.size()) + first, [&](int index, int thread) {
        Activations& a = m_blocks[static_cast<size_t>(thread)];
        if (index < first) {
            if (alongside.probeCount > 0)
                representationsOnThisThread(p, alongside.probeTokens, alongside.probeCount, alongside.probeOut, a);
            if (alongside.then)
                alongside.then();
            return;
        }
        const Block& block = blocks[static_cast<size_t>(index - first)];
        const Split& split = splits[block.split];
        evaluationLogitsRows(p, split.tokens + block.begin * length, block.rows, a.view(0, m_shape));
        accumulateLogitRows(a.logits.data(), split.labels + block.begin, block.rows, classes, saturationEpsilon,
                            sums[static_cast<size_t>(index - first)]);
    });
    std::vector<SplitSums> totals(splits.size());
    for (size_t i = 0; i < blocks.size(); ++i) {
        SplitSums& total = totals[blocks[i].split];
        const SplitSums& s = sums[i];
        total.lossSum += s.lossSum;
        total.correct += s.correct;
        total.sumSquaredCentred += s.sumSquaredCentred;
        total.entries += s.entries;
        total.saturated += s.saturated;
        total.examples += s.examples;
    }
    return totals;
}

}  // namespace grokscope
