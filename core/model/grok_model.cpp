#include "model/grok_model.h"

#include "model/fused_mlp.h"
#include "model/fused_transformer.h"
#include "model/mlp_model.h"
#include "model/transformer_model.h"
#include "tasks/dataset.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace grokscope {

MixingRequest mixingRequest(const MixingPlan& plan, torch::Device device)
{
    const int64_t rows = plan.rows();
    torch::Tensor partner = torch::empty({rows}, torch::kInt64);
    torch::Tensor keep = torch::empty({rows}, torch::kFloat32), take = torch::empty({rows}, torch::kFloat32);
    for (int64_t i = 0; i < rows; ++i) {
        partner.data_ptr<int64_t>()[i] = plan.partner[size_t(i)];
        // As the fused steps round them (model/fused_kernels.h, mixRows).
        keep.data_ptr<float>()[i] = float(1.0 - plan.weight[size_t(i)]);
        take.data_ptr<float>()[i] = float(plan.weight[size_t(i)]);
    }
    MixingRequest request;
    request.site = plan.site;
    request.partner = partner.to(device);
    request.keep = keep.to(device);
    request.take = take.to(device);
    request.uniform = !plan.empty() && plan.uniformWeight();
    request.alpha = plan.empty() ? 0.0 : plan.weight.front();
    request.detachPartner = plan.detachPartner;
    request.mixLabels = plan.mixLabels;
    return request;
}

torch::Tensor applyMixing(const torch::Tensor& values, const MixingRequest& mixing)
{
    const torch::Tensor partners = (mixing.detachPartner ? values.detach() : values).index_select(0, mixing.partner);
    if (mixing.uniform)  // the lever's original expression, so that its runs keep their bits
        return values * (1.0 - mixing.alpha) + partners * mixing.alpha;
    std::vector<int64_t> perRow(size_t(values.dim()), 1);  // B × 1 × … broadcasts over a row
    perRow[0] = values.size(0);
    return values * mixing.keep.view(perRow) + partners * mixing.take.view(perRow);
}

torch::Tensor trainingLoss(const torch::Tensor& logits, const torch::Tensor& labels, const MixingRequest* mixing)
{
    if (!mixing || !mixing->mixLabels)
        return torch::nn::functional::cross_entropy(logits, labels);
    const torch::Tensor logProbabilities = logits.log_softmax(1);
    auto crossEntropyOf = [&](const torch::Tensor& targets) {
        return -logProbabilities.gather(1, targets.unsqueeze(1)).squeeze(1);
    };
    const torch::Tensor own = crossEntropyOf(labels), other = crossEntropyOf(labels.index_select(0, mixing->partner));
    return (own * mixing->keep + other * mixing->take).mean();
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
    model->parameters().materialise(seed, device, config.initScale);
    return model;
}

}  // namespace grokscope
