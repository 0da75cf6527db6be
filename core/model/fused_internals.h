#pragma once
// FusedTransformer's private types, shared by its translation units
// (fused_transformer.cpp, fused_forward.cpp, fused_backward.cpp,
// fused_evaluation.cpp): views of the flat parameter vector and of a chunk's partial
// gradients, the per-row arrays the stages pass along, and softmaxPerHead, which the
// forward and the evaluation both inline. Internal to core/model.

#include "model/fused_transformer.h"

#include "compute/bf16_gemm.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace grokscope {

// Where a chunk's partial keeps its table gradients, after W_O … unembed.
struct FusedTransformer::TableGradients {
    float *queries, *keys, *values, *residualRows;
};

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
    std::vector<int64_t> partnerLabels;  // label mixing: each row's partner's label

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
        partnerLabels.resize(rows);
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

// Each parameter's start in the flat parameter vector, and the precision of the products
// that use them: the shape's for the training step (with its weights rounded once, for
// bf16), float32 for evaluation (the default), whatever model.matmul_precision says.
struct FusedTransformer::Parameters {
    const float *embed, *position, *wQ, *wK, *wV, *wO, *wIn, *bIn, *wOut, *bOut, *unembed;
    GemmPrecision productPrecision;
    Parameters(const float* base, const FusedTransformerOffsets& o, GemmPrecision precision = {})
        : embed(base + o.embed), position(base + o.position), wQ(base + o.wQ), wK(base + o.wK), wV(base + o.wV),
          wO(base + o.wO), wIn(base + o.wIn), bIn(base + o.bIn), wOut(base + o.wOut), bOut(base + o.bOut),
          unembed(base + o.unembed), productPrecision(precision)
    {
    }
};

// Scores (heads × length, already divided by √d_h) to softmax weights, in place.
// Here rather than in one .cpp: the training forward (attentionWeights) and the
// evaluation (evaluationLogitsRows) both run it per example, inlined.
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

}  // namespace grokscope
