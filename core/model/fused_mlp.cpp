// FusedMlp (fused_mlp.h): construction, the step's schedule (which stages run per chunk
// in parallel and where the whole batch must meet), the forward and backward stages,
// and the reduction of the chunks' partial gradients. The loops over rows are in
// fused_mlp_rows.cpp.

#include "model/fused_mlp.h"

#include "model/fused_kernels.h"
#include "model/fused_mlp_rows.h"

#include "compute/sgemm.h"
#include "compute/worker_pool.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace grokscope {

using fused::biasAndActivate;
using fused::chunkRange;
using fused::MixedTargets;
using fused::mixRows;
using fused::partnerLabelsOf;
using fused::unmixRows;
using namespace fused::mlp;

// Per-row arrays of the whole batch; a chunk works on its rows of each.
struct FusedMlp::Activations {
    int64_t capacity = 0;
    std::vector<std::vector<float>> pre, hidden;  // per layer, rows × width (ReLU: pre is hidden)
    std::vector<float> zMixed, logits, dzMixed;
    std::vector<float> dz;  // at the last hidden layer's output
    // Gradients at the outputs of the layers below the last, alternating.
    std::vector<float> dHidden[2];
    std::vector<int64_t> partnerLabels;  // label mixing: each row's partner's label

    void reserve(int64_t rows, const FusedMlpShape& s)
    {
        if (rows <= capacity)
            return;
        capacity = rows;
        const int64_t width = s.hiddenWidth;
        pre.resize(s.hiddenLayers);
        hidden.resize(s.hiddenLayers);
        for (int l = 0; l < s.hiddenLayers; ++l) {
            // ReLU's slope is readable from its output, so its pre-activation shares
            // the hidden array.
            if (s.activation != Activation::Relu)
                pre[l].resize(rows * width);
            hidden[l].resize(rows * width);
        }
        for (auto* v : {&zMixed, &dzMixed, &dz, &dHidden[0], &dHidden[1]})
            v->resize(rows * width);
        logits.resize(rows * s.classes);
        partnerLabels.resize(rows);
    }

    float* preOf(int l, Activation kind) { return kind == Activation::Relu ? hidden[l].data() : pre[l].data(); }
};

// One chunk's rows: [begin, begin + rows) of the batch.
struct FusedMlp::Chunk {
    const int64_t* tokens;  // row b's operands at tokens[b · stride], tokens[b · stride + 1]
    int64_t stride;
    const int64_t* labels;
    int64_t begin, rows;
    float* partial;
    float gradientScale;       // 1 / batch
    const MixedTargets* mixed;  // label mixing: the whole batch's soft targets, or null
};

FusedMlp::FusedMlp(const FusedMlpShape& shape, const FusedMlpOffsets& offsets, WorkerPool& pool)
    : m_shape(shape), m_offsets(offsets), m_pool(pool), m_batch(std::make_unique<Activations>())
{
    if (shape.vocabulary < 1 || shape.dModel < 1 || shape.hiddenLayers < 1 || shape.hiddenWidth < 1
        || shape.classes < 1)
        throw std::invalid_argument("FusedMlp: unsupported shape (it needs at least one hidden layer)");
    if (int(offsets.hiddenWeight.size()) != shape.hiddenLayers || int(offsets.hiddenBias.size()) != shape.hiddenLayers)
        throw std::invalid_argument("FusedMlp: one weight and one bias offset per hidden layer");
    // Every gradient entry is written, from the partials or from the input tables'
    // gradients, so the parameters must tile the flat vector exactly.
    const int64_t d = shape.dModel, width = shape.hiddenWidth, vocabulary = shape.vocabulary;
    std::vector<std::pair<int64_t, int64_t>> ranges{{offsets.embed, vocabulary * d},
                                                    {offsets.unembed, width * shape.classes}};
    for (int l = 0; l < shape.hiddenLayers; ++l) {
        ranges.emplace_back(offsets.hiddenWeight[size_t(l)], (l == 0 ? 2 * d : width) * width);
        ranges.emplace_back(offsets.hiddenBias[size_t(l)], width);
    }
    // What the chunks write into the parameters' part of their partials: all but the
    // embedding and W_0, which come from the input tables' gradients after it.
    for (const auto& [begin, size] : ranges)
        if (begin != offsets.embed && begin != offsets.hiddenWeight[0])
            m_reducedRanges.emplace_back(begin, begin + size);
    m_partialSize = offsets.total + 2 * vocabulary * width;
    std::sort(ranges.begin(), ranges.end());
    int64_t next = 0;
    for (const auto& [begin, size] : ranges) {
        if (begin != next)
            throw std::invalid_argument("FusedMlp: the parameter offsets do not tile the parameter vector");
        next = begin + size;
    }
    if (next != offsets.total)
        throw std::invalid_argument("FusedMlp: the parameter offsets do not tile the parameter vector");
    m_partials.assign(kChunks, std::vector<float>(size_t(m_partialSize)));
    m_inputTables.resize(size_t(2 * vocabulary * width));
    m_embedGradientB.resize(size_t(vocabulary * d));
}

FusedMlp::~FusedMlp() = default;

// The first layer reads two embedding rows, so its input product splits by operand:
// [embed[a] ⊕ embed[b]]·W_0 = embed[a]·W_0[:d] + embed[b]·W_0[d:]. Per step, the
// tables embed·W_0[:d] and embed·W_0[d:] (V × width each) replace a product of
// batch × 2d × width with one of 2V × d × width.
void FusedMlp::buildInputTables(const float* parameters)
{
    // Captures of at most 16 bytes: std::function keeps them without allocating.
    m_pool.run(2, [this, parameters](int operand) {
        const int64_t d = m_shape.dModel, width = m_shape.hiddenWidth, vocabulary = m_shape.vocabulary;
        sgemm(Op::None, Op::None, vocabulary, width, d, 1.0f, parameters + m_offsets.embed, d,
              parameters + m_offsets.hiddenWeight[0] + operand * d * width, width, 0.0f,
              m_inputTables.data() + operand * vocabulary * width, width);
    });
}

// pre_0 = table_a[a] + table_b[b] + b_0; hidden_l = act(pre_l), pre_l = hidden_{l−1}·W_l + b_l.
void FusedMlp::forwardRows(const float* parameters, const Chunk& c) const
{
    Activations& a = *m_batch;
    const int64_t width = m_shape.hiddenWidth;
    const float* firstTable = m_inputTables.data();
    const float* secondTable = firstTable + int64_t(m_shape.vocabulary) * width;
    gatherOperandRows(firstTable, secondTable, c.tokens + c.begin * c.stride, c.stride, c.rows, width,
                      a.preOf(0, m_shape.activation) + c.begin * width);
    for (int l = 0; l < m_shape.hiddenLayers; ++l) {
        float* pre = a.preOf(l, m_shape.activation) + c.begin * width;
        float* hidden = a.hidden[size_t(l)].data() + c.begin * width;
        if (l > 0)
            sgemm(Op::None, Op::None, c.rows, width, width, 1.0f, a.hidden[size_t(l - 1)].data() + c.begin * width,
                  width, parameters + m_offsets.hiddenWeight[size_t(l)], width, 0.0f, pre, width);
        biasAndActivate(m_shape.activation, parameters + m_offsets.hiddenBias[size_t(l)], pre, hidden, c.rows, width);
    }
}

double FusedMlp::unembedRows(const float* parameters, const Chunk& c, bool mixed) const
{
    Activations& a = *m_batch;
    const int64_t width = m_shape.hiddenWidth, classes = m_shape.classes;
    const float* unembed = parameters + m_offsets.unembed;
    const float* z = (mixed ? a.zMixed.data() : a.hidden.back().data()) + c.begin * width;
    float* dz = (mixed ? a.dzMixed.data() : a.dz.data()) + c.begin * width;
    float* logits = a.logits.data() + c.begin * classes;
    sgemm(Op::None, Op::None, c.rows, classes, width, 1.0f, z, width, unembed, classes, 0.0f, logits, classes);
    const MixedTargets chunkTargets = c.mixed ? c.mixed->from(c.begin) : MixedTargets{};
    const double lossSum = crossEntropyRows(logits, c.labels + c.begin, c.rows, classes, c.gradientScale,
                                            c.mixed ? &chunkTargets : nullptr);
    sgemm(Op::Transpose, Op::None, width, classes, c.rows, 1.0f, z, width, logits, classes, 0.0f,
          c.partial + m_offsets.unembed, classes);
    sgemm(Op::None, Op::Transpose, c.rows, width, classes, 1.0f, logits, classes, unembed, classes, 0.0f, dz, width);
    return lossSum;
}

// From the gradient at the last hidden layer's output (dz) down to the first layer's
// pre-activation: each layer's db and (above the first) dW, and the first layer's
// pre-activation gradient summed per operand token (the input tables' gradients), in
// row order.
void FusedMlp::backwardRows(const float* parameters, const Chunk& c) const
{
    Activations& a = *m_batch;
    const int64_t width = m_shape.hiddenWidth, vocabulary = m_shape.vocabulary;
    float* dPre = a.dz.data() + c.begin * width;  // the layer's output gradient, then its pre-activation's
    for (int l = m_shape.hiddenLayers - 1;; --l) {
        activationBackwardRows(m_shape.activation, a.preOf(l, m_shape.activation) + c.begin * width, dPre,
                               c.partial + m_offsets.hiddenBias[size_t(l)], c.rows, width);
        if (l == 0)
            break;
        const float* x = a.hidden[size_t(l - 1)].data() + c.begin * width;
        sgemm(Op::Transpose, Op::None, width, width, c.rows, 1.0f, x, width, dPre, width, 0.0f,
              c.partial + m_offsets.hiddenWeight[size_t(l)], width);
        float* dX = a.dHidden[l % 2].data() + c.begin * width;
        sgemm(Op::None, Op::Transpose, c.rows, width, width, 1.0f, dPre, width,
              parameters + m_offsets.hiddenWeight[size_t(l)], width, 0.0f, dX, width);
        dPre = dX;
    }
    float* dFirstTable = c.partial + m_offsets.total;
    float* dSecondTable = dFirstTable + vocabulary * width;
    std::fill(dFirstTable, dFirstTable + 2 * vocabulary * width, 0.0f);
    scatterOperandRows(dPre, c.tokens + c.begin * c.stride, c.stride, c.rows, width, dFirstTable, dSecondTable);
}

// Partial 0 += partials 1 … K−1 in chunk order (each entry's sum is the same on any
// number of threads), in two tasks, one per operand a, b: half of what the chunks wrote
// into the parameters' part, copied into the gradients, and that operand's input
// table gradient G, from which dW_0[:d] = embedᵀ·G_a, dW_0[d:] = embedᵀ·G_b and
// d embed = G_a·W_0[:d]ᵀ + G_b·W_0[d:]ᵀ. One region for all of it, and two tasks of
// equal cost.
void FusedMlp::reduceGradients(const float* parameters, float* gradients)
{
    const std::pair<const float*, float*> io{parameters, gradients};
    m_pool.run(2, [this, &io](int operand) { reduceOperandShare(io.first, io.second, operand); });
    float* dEmbed = gradients + m_offsets.embed;
    for (int64_t i = 0; i < int64_t(m_embedGradientB.size()); ++i)
        dEmbed[i] += m_embedGradientB[size_t(i)];
}

void FusedMlp::reduceOperandShare(const float* parameters, float* gradients, int operand)
{
    const int64_t d = m_shape.dModel, width = m_shape.hiddenWidth, vocabulary = m_shape.vocabulary;
    const int64_t tableSize = vocabulary * width;
    float* sum = m_partials[0].data();
    auto reduce = [this, sum](int64_t begin, int64_t end) {
        for (int c = 1; c < kChunks; ++c) {
            const float* add = m_partials[size_t(c)].data();
            for (int64_t i = begin; i < end; ++i)
                sum[i] += add[i];
        }
    };
    for (const auto& [rangeBegin, rangeEnd] : m_reducedRanges) {
        const auto [first, last] = chunkRange(rangeEnd - rangeBegin, 2, operand);
        reduce(rangeBegin + first, rangeBegin + last);
        std::copy(sum + rangeBegin + first, sum + rangeBegin + last, gradients + rangeBegin + first);
    }
    float* dTable = sum + m_offsets.total + operand * tableSize;
    reduce(m_offsets.total + operand * tableSize, m_offsets.total + (operand + 1) * tableSize);
    sgemm(Op::Transpose, Op::None, d, width, vocabulary, 1.0f, parameters + m_offsets.embed, d, dTable, width, 0.0f,
          gradients + m_offsets.hiddenWeight[0] + operand * d * width, width);
    sgemm(Op::None, Op::Transpose, vocabulary, d, width, 1.0f, dTable, width,
          parameters + m_offsets.hiddenWeight[0] + operand * d * width, width, 0.0f,
          operand == 0 ? gradients + m_offsets.embed : m_embedGradientB.data(), d);
}

double FusedMlp::trainStep(const float* parameters, float* gradients, const int64_t* tokens, int64_t tokenStride,
                           const int64_t* labels, int64_t batch, const MixingPlan* mixing,
                           const RepresentationGradient& extra)
{
    if (mixing && mixing->site == MixingSite::Embedding)
        throw std::logic_error("FusedMlp: embedding mixing runs on the autograd path");
    if (mixing && mixing->rows() != batch)
        throw std::logic_error("FusedMlp: the mixing plan is not of this batch");
    if (tokenStride < 2 || batch < kChunks)
        throw std::invalid_argument("FusedMlp: a batch needs two operand tokens per row and a row per chunk");
    Activations& a = *m_batch;
    a.reserve(batch, m_shape);
    buildInputTables(parameters);
    const int64_t width = m_shape.hiddenWidth;
    const bool mixed = mixing != nullptr;
    // Label mixing: each row's partner's label, for the soft targets of the loss.
    const bool mixLabels = mixed && mixing->mixLabels;
    if (mixLabels)
        partnerLabelsOf(labels, mixing->partner.data(), batch, a.partnerLabels.data());
    const MixedTargets targets{a.partnerLabels.data(), mixLabels ? mixing->weight.data() : nullptr};
    // A region runs the chosen stages on every chunk in parallel; between regions,
    // steps that read across chunks (mixing, the extra loss terms) run on the whole
    // batch. Without either, one region does the whole step.
    // The chunk tasks capture one reference (std::function then allocates nothing).
    enum Stage : unsigned { Forward = 1, Unembed = 2, Backward = 4 };
    struct Region {
        FusedMlp& self;
        const float* parameters;
        const int64_t *tokens, *labels;
        int64_t tokenStride, batch;
        bool mixed;
        const MixedTargets* targets;
        unsigned stages;
        double chunkLoss[kChunks];
        void runChunk(int index)
        {
            const auto [begin, end] = chunkRange(batch, kChunks, index);
            const Chunk c{tokens, tokenStride, labels, begin, end - begin, self.m_partials[size_t(index)].data(),
                          1.0f / float(batch), targets};
            if (stages & Forward)
                self.forwardRows(parameters, c);
            if (stages & Unembed)
                chunkLoss[index] = self.unembedRows(parameters, c, mixed);
            if (stages & Backward)
                self.backwardRows(parameters, c);
        }
    } plan{*this, parameters, tokens, labels, tokenStride, batch, mixed, mixLabels ? &targets : nullptr, 0, {}};
    auto region = [this, &plan](unsigned stages) {
        plan.stages = stages;
        m_pool.run(kChunks, [&plan](int index) { plan.runChunk(index); });
    };
    const float* z = a.hidden.back().data();
    float* dz = a.dz.data();
    if (mixed) {
        region(Forward);
        mixRows(z, a.zMixed.data(), mixing->partner.data(), mixing->weight.data(), batch, width);
        region(Unembed);
        if (extra)
            extra(a.zMixed.data(), a.dzMixed.data(), batch, width);
        unmixRows(a.dzMixed.data(), dz, mixing->partner.data(), mixing->weight.data(), batch, width,
                  mixing->detachPartner);
        region(Backward);
    } else if (extra) {
        region(Forward | Unembed);
        extra(z, dz, batch, width);
        region(Backward);
    } else {
        region(Forward | Unembed | Backward);
    }
    reduceGradients(parameters, gradients);
    double lossSum = 0.0;
    for (double l : plan.chunkLoss)
        lossSum += l;
    return lossSum / double(batch);
}

}  // namespace grokscope
