#pragma once
// Decoder-only Transformer in the style of Nanda et al. (2023): learned token and
// position embeddings, causal multi-head attention, an MLP block, an unembedding.
// Internal to core.

#include "model/grok_model.h"

#include <vector>

namespace grokscope {

class TransformerModel final : public GrokModel {
public:
    TransformerModel(const ModelConfig& config, int vocabularySize, int sequenceLength, int classes);
    ModelOutput forward(const torch::Tensor& tokens, const MixingRequest* mixing) override;
    int representationWidth() const override { return m_config.dModel; }

private:
    struct Layer {
        int wQ, wK, wV, wO, wIn, bIn, wOut, bOut;
        int ln1Weight = -1, ln1Bias = -1, ln2Weight = -1, ln2Bias = -1;
    };
    // Projected inputs of one attention block: B×len×d each.
    struct Projections {
        torch::Tensor queries, keys, values, residual;
    };
    Projections projectFromActivations(const Layer& layer, const torch::Tensor& x, bool lastLayer) const;
    Projections projectFromTables(const Layer& layer, const torch::Tensor& tokens, bool lastLayer) const;
    torch::Tensor attention(const Layer& layer, const Projections& in, bool causal) const;
    torch::Tensor mlpBlock(const Layer& layer, const torch::Tensor& x) const;
    torch::Tensor layerNorm(const torch::Tensor& x, int weight, int bias) const;
    const torch::Tensor& p(int index) const { return m_parameters.view(index); }

    ModelConfig m_config;
    int m_sequenceLength;
    int m_embed, m_position, m_unembed;
    int m_finalLnWeight = -1, m_finalLnBias = -1;
    std::vector<Layer> m_layers;
};

}  // namespace grokscope
