#pragma once
// The MLP control (docs/science.md, "MLP control"): the embeddings of a and b are
// concatenated and passed through hidden layers; the last hidden layer is the
// representation. Internal to core.

#include "model/grok_model.h"

#include <vector>

namespace grokscope {

class MlpModel final : public GrokModel {
public:
    MlpModel(const ModelConfig& config, int vocabularySize, int classes);
    ModelOutput forward(const torch::Tensor& tokens, const MixingRequest* mixing) override;
    int representationWidth() const override { return m_config.mlpHiddenWidth; }

private:
    ModelConfig m_config;
    int m_embed, m_unembed;
    std::vector<std::pair<int, int>> m_hidden;  // (weight, bias)
};

}  // namespace grokscope
