#include "model/mlp_model.h"

#include <cmath>
#include <stdexcept>

namespace grokscope {

MlpModel::MlpModel(const ModelConfig& config, int vocabularySize, int classes) : m_config(config)
{
    const int64_t d = config.dModel, width = config.mlpHiddenWidth;
    // model.init (model/parameter_init.h): scaled_normal draws N(0, 1/fan_in).
    const ParameterInit init(config.init);
    m_embed = m_parameters.declare("embed", {vocabularySize, d}, init.embedding(1.0 / std::sqrt(static_cast<double>(d))));
    int64_t fanIn = 2 * d;
    for (int l = 0; l < config.mlpHiddenLayers; ++l) {
        const std::string prefix = "hidden" + std::to_string(l) + ".";
        const int weight =
            m_parameters.declare(prefix + "W", {fanIn, width}, init.weight(fanIn, 1.0 / std::sqrt(static_cast<double>(fanIn))));
        const int bias = m_parameters.declare(prefix + "b", {width}, init.bias(fanIn));
        m_hidden.emplace_back(weight, bias);
        fanIn = width;
    }
    m_unembed = m_parameters.declare("unembed", {width, classes},
                                     init.weight(width, 1.0 / std::sqrt(static_cast<double>(classes))));
}

ModelOutput MlpModel::forward(const torch::Tensor& tokens, const MixingRequest* mixing)
{
    // Only the operands: the '=' token carries no information for an MLP.
    torch::Tensor x = torch::embedding(m_parameters.view(m_embed), tokens.narrow(1, 0, 2));
    if (mixing && mixing->site == MixingSite::Embedding)
        x = applyMixing(x, *mixing);
    x = x.reshape({x.size(0), -1});
    for (const auto& [weight, bias] : m_hidden) {
        x = torch::addmm(m_parameters.view(bias), x, m_parameters.view(weight));
        x = m_config.activation == Activation::Relu ? torch::relu(x) : torch::gelu(x);
    }
    if (mixing && mixing->site != MixingSite::Embedding)
        x = applyMixing(x, *mixing);  // an MLP has no attention: both other sites mean the last hidden layer
    return {x.matmul(m_parameters.view(m_unembed)), x};
}

}  // namespace grokscope
