#include "model/transformer_model.h"

#include <cmath>

namespace grokscope {

TransformerModel::TransformerModel(const ModelConfig& config, int vocabularySize, int sequenceLength,
                                   int classes)
    : m_config(config), m_sequenceLength(sequenceLength)
{
    const int64_t d = config.dModel;
    // model.init (model/parameter_init.h): scaled_normal is Nanda et al.'s N(0, 1/d_model)
    // for every matrix, N(0, 1/classes) for the unembedding.
    const ParameterInit init(config.init);
    const double std = 1.0 / std::sqrt(static_cast<double>(d));
    m_embed = m_parameters.declare("embed", {vocabularySize, d}, init.embedding(std));
    m_position = m_parameters.declare("position", {sequenceLength, d}, init.embedding(std));
    for (int l = 0; l < config.layers; ++l) {
        const std::string prefix = "layer" + std::to_string(l) + ".";
        Layer layer;
        layer.wQ = m_parameters.declare(prefix + "attn.W_Q", {d, d}, init.weight(d, std));
        layer.wK = m_parameters.declare(prefix + "attn.W_K", {d, d}, init.weight(d, std));
        layer.wV = m_parameters.declare(prefix + "attn.W_V", {d, d}, init.weight(d, std));
        layer.wO = m_parameters.declare(prefix + "attn.W_O", {d, d}, init.weight(d, std));
        layer.wIn = m_parameters.declare(prefix + "mlp.W_in", {d, config.dMlp}, init.weight(d, std));
        layer.bIn = m_parameters.declare(prefix + "mlp.b_in", {config.dMlp}, init.bias(d));
        layer.wOut = m_parameters.declare(prefix + "mlp.W_out", {config.dMlp, d}, init.weight(config.dMlp, std));
        layer.bOut = m_parameters.declare(prefix + "mlp.b_out", {d}, init.bias(config.dMlp));
        if (config.layerNorm != LayerNormPlacement::None) {
            layer.ln1Weight = m_parameters.declare(prefix + "ln1.weight", {d}, ParameterInit::gain());
            layer.ln1Bias = m_parameters.declare(prefix + "ln1.bias", {d}, ParameterInit::zeros());
            layer.ln2Weight = m_parameters.declare(prefix + "ln2.weight", {d}, ParameterInit::gain());
            layer.ln2Bias = m_parameters.declare(prefix + "ln2.bias", {d}, ParameterInit::zeros());
        }
        m_layers.push_back(layer);
    }
    if (config.finalLayerNorm) {
        m_finalLnWeight = m_parameters.declare("final_ln.weight", {d}, ParameterInit::gain());
        m_finalLnBias = m_parameters.declare("final_ln.bias", {d}, ParameterInit::zeros());
    }
    m_unembed = m_parameters.declare("unembed", {d, classes},
                                     init.weight(d, 1.0 / std::sqrt(static_cast<double>(classes))));
}

torch::Tensor TransformerModel::layerNorm(const torch::Tensor& x, int weight, int bias) const
{
    return torch::layer_norm(x, {m_config.dModel}, p(weight), p(bias), 1e-5);
}

// In the last layer only the final position's output reaches the loss, so queries,
// attention output and the MLP are computed there alone (Lq = 1).
TransformerModel::Projections TransformerModel::projectFromActivations(const Layer& layer, const torch::Tensor& x,
                                                                        bool lastLayer) const
{
    const int64_t length = x.size(1);
    const bool pre = m_config.layerNorm == LayerNormPlacement::Pre;
    const torch::Tensor normed = pre ? layerNorm(x, layer.ln1Weight, layer.ln1Bias) : x;
    const torch::Tensor queriesFrom = lastLayer ? normed.narrow(1, length - 1, 1) : normed;
    return {queriesFrom.matmul(p(layer.wQ)), normed.matmul(p(layer.wK)), normed.matmul(p(layer.wV)),
            lastLayer ? x.narrow(1, length - 1, 1) : x};
}

// Layer 0 sees x = embed[token] + position[j]: a function of (token, position) only.
// Projecting the V·L rows of that table and gathering is the same arithmetic as
// projecting B·L activations, with V·L = 294 rows instead of 1,536 at batch 512.
TransformerModel::Projections TransformerModel::projectFromTables(const Layer& layer, const torch::Tensor& tokens,
                                                                   bool lastLayer) const
{
    const int64_t batch = tokens.size(0), length = tokens.size(1), d = m_config.dModel;
    const int64_t vocabulary = p(m_embed).size(0);
    const torch::Tensor table = (p(m_embed).unsqueeze(1) + p(m_position).narrow(0, 0, length).unsqueeze(0))
                                    .reshape({vocabulary * length, d});
    const bool pre = m_config.layerNorm == LayerNormPlacement::Pre;
    const torch::Tensor normed = pre ? layerNorm(table, layer.ln1Weight, layer.ln1Bias) : table;
    // Row of (token, position j) in the table: token · L + j.
    const torch::Tensor rows = tokens * length + torch::arange(length, tokens.options()).unsqueeze(0);
    const torch::Tensor queryRows = lastLayer ? rows.narrow(1, length - 1, 1) : rows;
    const int64_t queries = queryRows.size(1);
    auto gather = [](const torch::Tensor& projected, const torch::Tensor& index, int64_t b, int64_t len) {
        return projected.index_select(0, index.reshape({-1})).view({b, len, projected.size(1)});
    };
    return {gather(normed.matmul(p(layer.wQ)), queryRows, batch, queries),
            gather(normed.matmul(p(layer.wK)), rows, batch, length),
            gather(normed.matmul(p(layer.wV)), rows, batch, length), gather(table, queryRows, batch, queries)};
}

torch::Tensor TransformerModel::attention(const Layer& layer, const Projections& in, bool causal) const
{
    const int64_t batch = in.keys.size(0), length = in.keys.size(1), queries = in.queries.size(1);
    const int64_t heads = m_config.heads, dHead = m_config.dModel / m_config.heads;
    auto split = [&](const torch::Tensor& t, int64_t len) {
        return t.view({batch, len, heads, dHead}).transpose(1, 2);  // B×H×len×dHead
    };
    const torch::Tensor q = split(in.queries, queries), k = split(in.keys, length), v = split(in.values, length);
    torch::Tensor scores = q.matmul(k.transpose(-1, -2)) / std::sqrt(static_cast<double>(dHead));
    if (causal) {
        const torch::Tensor mask =
            torch::ones({queries, length}, torch::TensorOptions().dtype(torch::kBool).device(scores.device())).triu(1);
        scores = scores.masked_fill(mask, -std::numeric_limits<float>::infinity());
    }
    const torch::Tensor mixed = scores.softmax(-1).matmul(v);  // B×H×Lq×dHead
    return mixed.transpose(1, 2).reshape({batch, queries, m_config.dModel}).matmul(p(layer.wO));
}

torch::Tensor TransformerModel::mlpBlock(const Layer& layer, const torch::Tensor& x) const
{
    torch::Tensor hidden = torch::addmm(p(layer.bIn), x.reshape({-1, m_config.dModel}), p(layer.wIn));
    hidden = m_config.activation == Activation::Relu ? torch::relu(hidden) : torch::gelu(hidden);
    return torch::addmm(p(layer.bOut), hidden, p(layer.wOut)).view(x.sizes());
}

ModelOutput TransformerModel::forward(const torch::Tensor& tokens, const MixingRequest* mixing)
{
    const int64_t length = tokens.size(1);
    const bool mixEmbedding = mixing && mixing->site == MixingSite::Embedding;
    // Mixing the embeddings breaks the (token, position) structure the tables rely on.
    const bool useTables = m_config.lookupTables && !mixEmbedding;
    torch::Tensor x;
    if (!useTables) {
        x = torch::embedding(p(m_embed), tokens) + p(m_position).narrow(0, 0, length);
        if (mixEmbedding)
            x = applyMixing(x, *mixing);
    }
    const bool post = m_config.layerNorm == LayerNormPlacement::Post;
    const bool pre = m_config.layerNorm == LayerNormPlacement::Pre;
    for (size_t l = 0; l < m_layers.size(); ++l) {
        const Layer& layer = m_layers[l];
        const bool last = l + 1 == m_layers.size();
        const Projections in = l == 0 && useTables ? projectFromTables(layer, tokens, last)
                                                   : projectFromActivations(layer, x, last);
        torch::Tensor attended = attention(layer, in, !last);
        if (last && mixing && mixing->site == MixingSite::AttentionOutput)
            attended = applyMixing(attended, *mixing);
        torch::Tensor residual = in.residual + attended;
        if (post)
            residual = layerNorm(residual, layer.ln1Weight, layer.ln1Bias);
        const torch::Tensor mlpIn = pre ? layerNorm(residual, layer.ln2Weight, layer.ln2Bias) : residual;
        residual = residual + mlpBlock(layer, mlpIn);
        if (post)
            residual = layerNorm(residual, layer.ln2Weight, layer.ln2Bias);
        x = residual;
    }
    torch::Tensor z = x.select(1, x.size(1) - 1);  // B×d: the final position's residual
    if (m_finalLnWeight >= 0)
        z = layerNorm(z, m_finalLnWeight, m_finalLnBias);
    if (mixing && mixing->site == MixingSite::FinalResidual)
        z = applyMixing(z, *mixing);
    return {z.matmul(p(m_unembed)), z};
}

}  // namespace grokscope
