#include "model/grok_model.h"

#include "model/mlp_model.h"
#include "model/transformer_model.h"
#include "tasks/dataset.h"

#include <algorithm>
#include <stdexcept>

namespace grokscope {

torch::Tensor applyMixing(const torch::Tensor& values, const MixingRequest& mixing)
{
    return values * (1.0 - mixing.alpha) + values.index_select(0, mixing.permutation) * mixing.alpha;
}

const torch::Tensor& GrokModel::unembedding() const
{
    const auto& names = m_parameters.names();
    const auto found = std::find(names.begin(), names.end(), "unembed");
    if (found == names.end())
        throw std::logic_error("model declares no \"unembed\" parameter");
    return m_parameters.view(static_cast<int>(found - names.begin()));
}

std::unique_ptr<GrokModel> createModel(const ModelConfig& config, const Dataset& data, uint64_t seed,
                                       torch::Device device)
{
    std::unique_ptr<GrokModel> model;
    if (config.architecture == Architecture::Transformer)
        model = std::make_unique<TransformerModel>(config, data.vocabularySize, data.sequenceLength,
                                                   data.table.numClasses);
    else
        model = std::make_unique<MlpModel>(config, data.vocabularySize, data.table.numClasses);
    model->parameters().materialise(seed, device);
    return model;
}

}  // namespace grokscope
