#pragma once
// Training step of the MLP control (MlpModel; docs/science.md, "MLP control") written
// out by hand: forward, backward and the loss in a few single-threaded GEMMs per batch
// chunk, no autograd graph, no allocation per step once a batch size has been seen.
//
// What it exploits: the first layer reads only the two operands' embedding rows, so
// its product with W_0 is two per-token tables (vocabulary × width) built once per
// step and gathered, and its backward sums the pre-activation gradients per token
// before the products with the embedding and W_0: 55 % of the step's GEMM work at
// mlp-z41 becomes a few 42-row products (bench/bench_mlp.cpp measures both). The
// function is that of MlpModel::forward and torch's cross_entropy; the summation order
// is not, which tst_fused_mlp bounds.
//
// As in FusedTransformer (fused_transformer.h), the batch is always cut into the same
// chunks, whatever the thread count, and the chunks' partial gradients are summed in
// chunk order: a seed's trajectory is the same on 1 thread or 2. Evaluation stays on
// the model's torch forward (cheap at the MLP's sizes). No torch in this header.

#include "config/train_config.h"
#include "model/fused_step.h"

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace grokscope {

class WorkerPool;

struct FusedMlpShape {
    int vocabulary = 0, dModel = 0, hiddenLayers = 0, hiddenWidth = 0, classes = 0;
    Activation activation = Activation::Relu;
};

// Offsets of each parameter in the flat parameter (and gradient) vector; one entry per
// hidden layer in hiddenWeight and hiddenBias. Together they must cover [0, total).
struct FusedMlpOffsets {
    int64_t embed = -1;
    std::vector<int64_t> hiddenWeight, hiddenBias;
    int64_t unembed = -1, total = 0;
};

class FusedMlp {
public:
    // Batches are cut into this many chunks (as FusedTransformer::kChunks).
    static constexpr int kChunks = 2;

    // Throws std::invalid_argument for a shape it cannot train or offsets that do not
    // tile the parameter vector.
    FusedMlp(const FusedMlpShape& shape, const FusedMlpOffsets& offsets, WorkerPool& pool);
    ~FusedMlp();
    FusedMlp(const FusedMlp&) = delete;
    FusedMlp& operator=(const FusedMlp&) = delete;

    // Mean cross-entropy of the batch; writes the gradient of (that + extra terms) into
    // `gradients` (all `offsets.total` entries overwritten). tokens: batch rows of
    // `tokenStride` tokens, of which the first two (the operands) are read. `mixing`:
    // a plan of `batch` rows at the last hidden layer (any site but Embedding, which
    // throws), or null; with its mixLabels the loss is the mixup loss, as in
    // FusedTransformer::trainStep.
    double trainStep(const float* parameters, float* gradients, const int64_t* tokens, int64_t tokenStride,
                     const int64_t* labels, int64_t batch, const MixingPlan* mixing,
                     const RepresentationGradient& extra);

private:
    struct Activations;
    struct Chunk;
    void buildInputTables(const float* parameters);
    void forwardRows(const float* parameters, const Chunk& c) const;
    // Logits from the unembedding's input, the loss sum, dU into the partial and the
    // gradient at the unembedding's input.
    double unembedRows(const float* parameters, const Chunk& c, bool mixed) const;
    void backwardRows(const float* parameters, const Chunk& c) const;
    void reduceGradients(const float* parameters, float* gradients);
    void reduceOperandShare(const float* parameters, float* gradients, int operand);

    FusedMlpShape m_shape;
    FusedMlpOffsets m_offsets;
    WorkerPool& m_pool;
    std::unique_ptr<Activations> m_batch;
    // Per step: embed·W_0[:d] then embed·W_0[d:], 2 × vocabulary × width.
    std::vector<float> m_inputTables;
    // Per chunk: the gradient entries the chunks write (as laid out in the gradient
    // vector), then the input tables' gradients; m_partialSize floats each.
    std::vector<std::vector<float>> m_partials;
    int64_t m_partialSize = 0;
    // [begin, end) in a partial of the parameter gradients the chunks write.
    std::vector<std::pair<int64_t, int64_t>> m_reducedRanges;
    std::vector<float> m_embedGradientB;  // G_b·W_0[d:]ᵀ, vocabulary × d
};

}  // namespace grokscope
