#pragma once
// Training step and inference of the 1-layer Transformer without LayerNorm (every
// Transformer preset) written out by hand: forward, backward and the loss in a few
// single-threaded GEMMs per batch chunk, no autograd graph, no allocation per step.
//
// What it exploits (README.md, "Threads and speed"; timings in bench/README.md): only
// the final position reaches the loss, so queries, W_O, the MLP and the unembedding
// run at that position alone; keys and values are functions of (token, position), so
// they are computed once per table row and gathered. The arithmetic is that of
// TransformerModel; the summation order is not, which tst_fused_transformer bounds.
//
// Evaluation needs logits only: it reads per-row tables of the value rows times W_O·W_in
// and W_O·U (buildEvaluationTables) instead of repeating the training path's products.
//
// The batch is always cut into the same chunks, whatever the thread count, and chunk
// partials are summed in chunk order: a seed's trajectory is the same on 1 thread or 2.
// No torch in this header.
//
// The code: construction and the step's schedule in fused_transformer.cpp, the stages
// in fused_forward.cpp, fused_backward.cpp and fused_evaluation.cpp, the private
// types they share in fused_internals.h and their common loops in fused_kernels.h.

#include "config/train_config.h"
#include "model/fused_step.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace grokscope {

class WorkerPool;
class Bf16Operands;
namespace fused {
struct MixedTargets;
}

struct FusedTransformerShape {
    int vocabulary = 0, length = 0, dModel = 0, heads = 0, dMlp = 0, classes = 0;
    Activation activation = Activation::Relu;
    // Of trainStep's matrix products (model.matmul_precision); evaluate() and
    // representations() are float32 whatever it is.
    MatmulPrecision trainingPrecision = MatmulPrecision::Float32;
};

// Offsets of each parameter in the flat parameter (and gradient) vector.
struct FusedTransformerOffsets {
    int64_t embed = -1, position = -1, wQ = -1, wK = -1, wV = -1, wO = -1, wIn = -1, bIn = -1, wOut = -1,
            bOut = -1, unembed = -1, total = 0;
};

// Sums over a split, in float64; the trainer turns them into loss, accuracy and the
// logit statistics.
struct SplitSums {
    double lossSum = 0.0;
    int64_t correct = 0;
    double sumSquaredCentred = 0.0;  // Σ (logit − row mean)²
    int64_t entries = 0;
    int64_t saturated = 0;           // rows with 1 − p_max < ε
    int64_t examples = 0;
};

// Work for one thread of FusedTransformer::evaluate while the others start on the split
// blocks (the spectrum): the final-position representations of `probeCount` rows of
// `probeTokens` into `probeOut` (count × dModel, from the tables the evaluation builds
// anyway: representations()'s bits for these rows when the splits end in the probe's
// final tokens, which makes the tables the same), then `then`, which must not throw and
// must not touch the FusedTransformer. Either part may be absent.
struct EvaluationAlongside {
    const int64_t* probeTokens = nullptr;
    int64_t probeCount = 0;
    float* probeOut = nullptr;
    std::function<void()> then;
    bool empty() const { return probeCount == 0 && !then; }
};

class FusedTransformer {
public:
    // Batches are cut into this many chunks for training.
    static constexpr int kChunks = 2;
    // Evaluation blocks: fixed rows per block, so the sums do not depend on threads.
    static constexpr int64_t kEvalBlockRows = 256;

    FusedTransformer(const FusedTransformerShape& shape, const FusedTransformerOffsets& offsets, WorkerPool& pool);
    ~FusedTransformer();

    // Mean cross-entropy of the batch; writes the gradient of (that + extra terms) into
    // `gradients` (all `offsets.total` entries overwritten). tokens: batch × length.
    // `mixing`: a plan of `batch` rows at the final residual or the attention output
    // (Embedding throws), or null. With its mixLabels the loss (returned and
    // differentiated) is the mixup loss, Σ_b (1 − w_b) CE(y_b) + w_b CE(y_π(b)) / batch.
    double trainStep(const float* parameters, float* gradients, const int64_t* tokens, const int64_t* labels,
                     int64_t batch, const MixingPlan* mixing, const RepresentationGradient& extra);
    // Final-position representations (count × dModel) without mixing. The MLP's input
    // product comes from the evaluation tables, built here for these rows, as the probe
    // forward alongside evaluate() does. Blocks of kEvalBlockRows rows from the first,
    // each product over a whole block whatever its fill: a row's bits depend on its
    // tokens, its place in its block and the tables, never on `count` (a BLAS kernel
    // may round a row differently in a product of another height). So the probe gives
    // these bits for its rows whenever the tables agree, that is when the splits end
    // in the probe's final tokens (every preset: '=').
    void representations(const float* parameters, const int64_t* tokens, int64_t count, float* out);
    // Sums over each split (tokens: count × length), from one set of tables.
    struct Split {
        const int64_t* tokens;
        const int64_t* labels;
        int64_t count;
    };
    // `alongside`: see EvaluationAlongside.
    std::vector<SplitSums> evaluate(const float* parameters, const std::vector<Split>& splits,
                                    double saturationEpsilon, const EvaluationAlongside& alongside = {});

private:
    struct Parameters;
    struct RowView;
    struct Activations;
    struct TableGradients;
    TableGradients tableGradients(float* partial) const;
    void buildTables(const Parameters& p);
    void roundWeights(const Parameters& p);  // bf16 training steps
    // The forward of `rows` rows. Their products with W_O and W_out run over
    // `productRows` ≥ rows rows; the caller has zeroed the rows in between (inferBlock).
    void attendRows(const Parameters& p, const int64_t* tokens, int64_t rows, int64_t productRows,
                    const RowView& r) const;
    void mlpRows(const Parameters& p, const int64_t* tokens, int64_t rows, int64_t productRows, const float* attended,
                 const RowView& r, bool preFromTables = false) const;
    // Softmax cross-entropy of rows of logits: returns the rows' loss sum and replaces
    // the logits by the gradient of the loss sum times `gradientScale` (1 / batch).
    // `mixed`: the rows' soft targets (label mixing), or null for one-hot labels.
    double crossEntropyRows(float* logits, const int64_t* labels, int64_t rows, float gradientScale,
                            const fused::MixedTargets* mixed) const;
    void mlpBackwardRows(const Parameters& p, const int64_t* tokens, int64_t rows, const RowView& r,
                         float* partial) const;
    void attentionBackwardRows(const Parameters& p, const int64_t* tokens, int64_t rows, const float* dAttended,
                               const RowView& r, float* partial) const;
    void reducePartials(float* gradients);
    void finishTableGradients(const Parameters& p, float* gradients);
    // Forward of the first `rows` (≤ kEvalBlockRows) rows of an inference block into
    // thread-local arrays, with every matrix product over kEvalBlockRows rows.
    void inferBlock(const Parameters& p, const int64_t* tokens, int64_t rows, Activations& a) const;
    // Representations of `count` rows, block by block on the calling thread; the
    // tables must be built.
    void representationsOnThisThread(const Parameters& p, const int64_t* tokens, int64_t count, float* out,
                                     Activations& a) const;
    void attentionWeights(const int64_t* t, float* weights) const;
    // Per example in training and in evaluation: inline, in fused_internals.h.
    inline void softmaxPerHead(float* weights) const;
    void buildEvaluationTables(const Parameters& p, const std::vector<Split>& splits);
    void evaluationLogitsRows(const Parameters& p, const int64_t* tokens, int64_t rows, const RowView& r) const;
    void tableHiddenRows(const Parameters& p, const int64_t* tokens, int64_t rows, const RowView& r,
                         float* logits) const;

    FusedTransformerShape m_shape;
    FusedTransformerOffsets m_offsets;
    WorkerPool& m_pool;
    int64_t m_tableRows;  // vocabulary × length
    // Shared per step: X = embed ⊕ position rows, their key/value projections, and the
    // query projection of the final position's rows.
    std::vector<float> m_x, m_keys, m_values, m_queries;
    // Backward of the tables: dX from the key, value and query paths.
    std::vector<float> m_dxKeys, m_dxValues, m_dxQueries;
    // Evaluation only (buildEvaluationTables): W_O·W_in, W_O·U, W_out·U; table rows'
    // values times those per head (every row of the earlier positions; of the final
    // position, the query tokens' rows); and for every query token v in the splits
    // (rows of other tokens are left unset) the final position's x·W_in and
    // x·U + b_out·U and the scaled attention scores q_h(v)·k_h(row)/√d_h,
    // (v · rows + row) · heads + h.
    std::vector<float> m_outputHidden, m_outputLogits, m_hiddenLogits;
    std::vector<float> m_valueHidden, m_valueLogits, m_queryHidden, m_queryLogits, m_queryScores;
    // The final token when every example in the splits has the same one (then the
    // tables above are folded: see buildEvaluationTables), else −1; and the values the
    // folded tables are computed from, v[row] − v[query row].
    int64_t m_sharedQuery = -1;
    std::vector<float> m_foldedValues;
    // Per chunk: partial gradients of W_O … unembed, then the table gradients.
    std::vector<std::vector<float>> m_partials;
    int64_t m_partialSize = 0;
    // bf16 training steps: the weights, X and its final-position rows, rounded once per
    // step (trainStep, buildTables).
    std::unique_ptr<Bf16Operands> m_roundedOperands;
    std::unique_ptr<Activations> m_batch;  // the whole training batch
    std::vector<Activations> m_blocks;   // one per thread, for inference
};

}  // namespace grokscope
