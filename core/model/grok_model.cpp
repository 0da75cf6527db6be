#include "model/grok_model.h"

#include "model/fused_mlp.h"
#include "model/fused_transformer.h"
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

bool fusedTransformerApplies(const ModelConfig& config, torch::Device device, const Dataset& data)
{
    return config.architecture == Architecture::Transformer && config.layers == 1
           && config.layerNorm == LayerNormPlacement::None && !config.finalLayerNorm && config.lookupTables
           && device.is_cpu() && data.sequenceLength <= 16;
}

namespace {

// The offset of parameter `name` in `store`'s flat vector; `user` names the fused step.
int64_t parameterOffset(const ParameterStore& store, const std::string& name, const char* user)
{
    const auto& names = store.names();
    const auto found = std::find(names.begin(), names.end(), name);
    if (found == names.end())
        throw std::logic_error(std::string(user) + ": the model has no parameter " + name);
    return store.view(static_cast<int>(found - names.begin())).data_ptr<float>() - store.flatValues().data_ptr<float>();
}

}  // namespace

std::unique_ptr<FusedTransformer> createFusedTransformer(const GrokModel& model, const Dataset& data,
                                                         const ModelConfig& config, WorkerPool& pool)
{
    const ParameterStore& store = model.parameters();
    auto offset = [&](const std::string& name) { return parameterOffset(store, name, "FusedTransformer"); };
    FusedTransformerShape shape;
    shape.vocabulary = data.vocabularySize;
    shape.length = data.sequenceLength;
    shape.dModel = config.dModel;
    shape.heads = config.heads;
    shape.dMlp = config.dMlp;
    shape.classes = data.table.numClasses;
    shape.activation = config.activation;
    shape.trainingPrecision = config.matmulPrecision;
    FusedTransformerOffsets o;
    o.embed = offset("embed");
    o.position = offset("position");
    o.wQ = offset("layer0.attn.W_Q");
    o.wK = offset("layer0.attn.W_K");
    o.wV = offset("layer0.attn.W_V");
    o.wO = offset("layer0.attn.W_O");
    o.wIn = offset("layer0.mlp.W_in");
    o.bIn = offset("layer0.mlp.b_in");
    o.wOut = offset("layer0.mlp.W_out");
    o.bOut = offset("layer0.mlp.b_out");
    o.unembed = offset("unembed");
    o.total = store.count();
    return std::make_unique<FusedTransformer>(shape, o, pool);
}

bool fusedMlpApplies(const ModelConfig& config, torch::Device device)
{
    return config.architecture == Architecture::Mlp && device.is_cpu();
}

std::unique_ptr<FusedMlp> createFusedMlp(const GrokModel& model, const Dataset& data, const ModelConfig& config,
                                         WorkerPool& pool)
{
    const ParameterStore& store = model.parameters();
    auto offset = [&](const std::string& name) { return parameterOffset(store, name, "FusedMlp"); };
    FusedMlpShape shape;
    shape.vocabulary = data.vocabularySize;
    shape.dModel = config.dModel;
    shape.hiddenLayers = config.mlpHiddenLayers;
    shape.hiddenWidth = config.mlpHiddenWidth;
    shape.classes = data.table.numClasses;
    shape.activation = config.activation;
    FusedMlpOffsets o;
    o.embed = offset("embed");
    for (int l = 0; l < config.mlpHiddenLayers; ++l) {
        const std::string prefix = "hidden" + std::to_string(l) + ".";
        o.hiddenWeight.push_back(offset(prefix + "W"));
        o.hiddenBias.push_back(offset(prefix + "b"));
    }
    o.unembed = offset("unembed");
    o.total = store.count();
    return std::make_unique<FusedMlp>(shape, o, pool);
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
