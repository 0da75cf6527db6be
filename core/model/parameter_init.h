#pragma once
// How each parameter is drawn before training: the `model.init` schemes per layer type,
// declared once here and used by both models' constructors.
//
// scaled_normal (the default; Nanda et al.'s recipe): every matrix N(0, σ²) with the
//   model's own σ (the Transformer: 1/√d_model for embeddings, attention and both MLP
//   matrices; the MLP control: 1/√fan_in), the unembedding N(0, 1/classes), biases 0.
// pytorch (the defaults of torch.nn): embeddings N(0, 1) (nn.Embedding); every linear
//   map of fan-in n, the attention projections and the unembedding included, weights
//   U(−1/√n, 1/√n) (nn.Linear's kaiming_uniform_ with a = √5) and biases U(−1/√n, 1/√n).
// Both: LayerNorm gains 1 and offsets 0. Afterwards every value is multiplied by
// model.init_scale (Omnigrok's α·θ₀), gains included.
// Draws come from one generator in declaration order (ParameterStore::materialise), so
// a seed gives the same θ₀ on every device and in the PyTorch peer.

#include "config/train_config.h"

#include <cmath>
#include <cstdint>

namespace grokscope {

struct InitRule {
    enum class Kind { Normal, Uniform, Zeros, Ones };
    Kind kind = Kind::Zeros;
    double scale = 0.0;  // the standard deviation (Normal) or the bound b of U(−b, b) (Uniform)
};

class ParameterInit {
public:
    explicit ParameterInit(InitScheme scheme) : m_scheme(scheme) {}

    // scaledStd: σ of the scaled_normal scheme for this tensor.
    InitRule embedding(double scaledStd) const
    {
        return pytorch() ? InitRule{InitRule::Kind::Normal, 1.0} : InitRule{InitRule::Kind::Normal, scaledStd};
    }
    InitRule weight(int64_t fanIn, double scaledStd) const
    {
        return pytorch() ? uniformOverFanIn(fanIn) : InitRule{InitRule::Kind::Normal, scaledStd};
    }
    InitRule bias(int64_t fanIn) const { return pytorch() ? uniformOverFanIn(fanIn) : InitRule{}; }
    static InitRule gain() { return {InitRule::Kind::Ones, 0.0}; }
    static InitRule zeros() { return {}; }

private:
    bool pytorch() const { return m_scheme == InitScheme::Pytorch; }
    static InitRule uniformOverFanIn(int64_t fanIn)
    {
        return {InitRule::Kind::Uniform, 1.0 / std::sqrt(static_cast<double>(fanIn))};
    }

    InitScheme m_scheme;
};

}  // namespace grokscope
