// FusedTransformer's evaluation: loss, accuracy and logit statistics of whole splits
// from per-evaluation tables instead of the training path's products.

#include "model/fused_internals.h"
#include "model/fused_kernels.h"

#include "compute/sgemm.h"
#include "compute/weighted_rows.h"
#include "compute/worker_pool.h"
#include "model/logit_rows.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace grokscope {

using fused::axpy;
using fused::biasAndActivate;
using fused::interleavedDots;

namespace {

// y += rows[0] + rows[1] + … + rows[count − 1], each `width` long and stored one after another.
void addHeadRows(const float* rows, int64_t count, int64_t width, float* y)
{
    for (int64_t r = 0; r < count; ++r)
        for (int64_t c = 0; c < width; ++c)
            y[c] += rows[r * width + c];
}

}  // namespace

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
