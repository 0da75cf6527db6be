// FusedTransformer's construction and the training step's schedule: which stages run
// per chunk in parallel and where the whole batch must meet (mixing, extra loss
// terms). The stages themselves are in fused_forward.cpp and fused_backward.cpp, the
// evaluation in fused_evaluation.cpp.

#include "model/fused_internals.h"
#include "model/fused_kernels.h"

#include "compute/bf16_gemm.h"
#include "compute/worker_pool.h"

#include <functional>
#include <stdexcept>
#include <vector>

namespace grokscope {

using fused::chunkRange;
using fused::MixedTargets;
using fused::mixRows;
using fused::partnerLabelsOf;
using fused::unmixRows;

namespace {

constexpr int kMaxLength = 16;

}  // namespace

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
    if (shape.trainingPrecision == MatmulPrecision::Bf16)
        if (const auto reason = bf16GemmUnavailableReason())
            throw std::runtime_error("model.matmul_precision: bf16 " + *reason);
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
    m_roundedOperands = std::make_unique<Bf16Operands>();
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

// The weight matrices as the step's products read them (stored shape and row stride):
// they do not change within a step, and each feeds a forward and a backward product.
void FusedTransformer::roundWeights(const Parameters& p)
{
    const int64_t d = m_shape.dModel, mlp = m_shape.dMlp, classes = m_shape.classes;
    for (const float* square : {p.wQ, p.wK, p.wV, p.wO})
        m_roundedOperands->round(square, d, d, d);
    m_roundedOperands->round(p.wIn, d, mlp, mlp);
    m_roundedOperands->round(p.wOut, mlp, d, d);
    m_roundedOperands->round(p.unembed, d, classes, classes);
}

double FusedTransformer::trainStep(const float* parameters, float* gradients, const int64_t* tokens,
                                   const int64_t* labels, int64_t batch, const MixingPlan* mixing,
                                   const RepresentationGradient& extra)
{
    // The products below run at the training precision; the loss, the softmax and every
    // sum outside a product stay float32 (and evaluation entirely: fused_evaluation.cpp).
    const bool bf16 = m_shape.trainingPrecision == MatmulPrecision::Bf16;
    const Parameters p(parameters, m_offsets, {m_shape.trainingPrecision, bf16 ? m_roundedOperands.get() : nullptr});
    if (bf16)
        roundWeights(p);
    const int64_t d = m_shape.dModel, length = m_shape.length, classes = m_shape.classes;
    const int64_t tail = m_offsets.wO;
    const bool mixAttention = mixing && mixing->site == MixingSite::AttentionOutput;
    const bool mixFinal = mixing && mixing->site == MixingSite::FinalResidual;
    if (mixing && !mixAttention && !mixFinal)
        throw std::logic_error("FusedTransformer: embedding mixing runs on the autograd path");
    if (mixing && mixing->rows() != batch)
        throw std::logic_error("FusedTransformer: the mixing plan is not of this batch");
    Activations& a = *m_batch;
    a.reserve(batch, m_shape, true);
    // Label mixing: each row's partner's label, for the soft targets of the loss.
    const bool mixLabels = mixing && mixing->mixLabels;
    if (mixLabels)
        partnerLabelsOf(labels, mixing->partner.data(), batch, a.partnerLabels.data());
    const MixedTargets targets{a.partnerLabels.data(), mixLabels ? mixing->weight.data() : nullptr};
    // Each region below runs the chunks in parallel; between regions, steps that read
    // across chunks (mixing, the extra loss terms) run on the whole batch.
    struct Chunk {
        const int64_t* tokens;
        const int64_t* labels;
        int64_t begin, rows;
        RowView r;
        float* partial;
        int index;
    };
    auto forEachChunk = [&](const std::function<void(const Chunk&)>& body) {
        m_pool.run(kChunks, [&](int chunk) {
            const auto [begin, end] = chunkRange(batch, kChunks, chunk);
            body(Chunk{tokens + begin * length, labels + begin, begin, end - begin, a.view(begin, m_shape),
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
        gemm(p.productPrecision, Op::None, Op::None, c.rows, classes, d, 1.0f, zIn, d, p.unembed, classes, 0.0f, logits,
             classes);
        const MixedTargets chunkTargets = mixLabels ? targets.from(c.begin) : MixedTargets{};
        chunkLoss[c.index] =
            crossEntropyRows(logits, c.labels, c.rows, gradientScale, mixLabels ? &chunkTargets : nullptr);
        gemm(p.productPrecision, Op::Transpose, Op::None, d, classes, c.rows, 1.0f, zIn, d, logits, classes, 0.0f,
             c.partial + (m_offsets.unembed - tail), classes);
        gemm(p.productPrecision, Op::None, Op::Transpose, c.rows, d, classes, 1.0f, logits, classes, p.unembed, classes,
             0.0f, dzIn, d);
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
    const int64_t* partner = mixing ? mixing->partner.data() : nullptr;
    const double* weight = mixing ? mixing->weight.data() : nullptr;
    const bool detach = mixing && mixing->detachPartner;
    pending.push_back(attend);
    if (mixAttention)
        wholeBatch([&] { mixRows(a.attended.data(), a.attendedMixed.data(), partner, weight, batch, d); });
    pending.push_back(mlp);
    if (mixFinal)
        wholeBatch([&] { mixRows(a.z.data(), a.zMixed.data(), partner, weight, batch, d); });
    pending.push_back(unembed);
    if (mixFinal || extra)
        wholeBatch([&] {
            if (extra)
                extra(mixFinal ? a.zMixed.data() : a.z.data(), mixFinal ? a.dzMixed.data() : a.dz.data(), batch, d);
            if (mixFinal)
                unmixRows(a.dzMixed.data(), a.dz.data(), partner, weight, batch, d, detach);
        });
    pending.push_back(mlpBackward);
    if (mixAttention)
        wholeBatch([&] { unmixRows(a.dResidual.data(), a.dAttended.data(), partner, weight, batch, d, detach); });
    pending.push_back(attentionBackward);
    region(pending);
    double lossSum = 0.0;
    for (double l : chunkLoss)
        lossSum += l;
    reducePartials(gradients);
    finishTableGradients(p, gradients);
    return lossSum / double(batch);
}

}  // namespace grokscope
