#include "model/step_work.h"

namespace grokscope {

double stepGemmFlops(const TrainConfig& c, const Dataset& data, int64_t batch)
{
    const double classes = data.table.numClasses, b = double(batch);
    if (c.model.architecture == Architecture::Mlp) {
        const double width = c.model.mlpHiddenWidth, d = c.model.dModel, vocabulary = data.vocabularySize;
        double perExample = width * classes;
        for (int layer = 1; layer < c.model.mlpHiddenLayers; ++layer)
            perExample += width * width;
        const bool embeddingMixing = c.intervention.mixing && c.intervention.mixingSite == MixingSite::Embedding;
        if (c.run.device != "cpu" || embeddingMixing)  // autograd: the first layer per example
            return 2.0 * 3.0 * b * (perExample + 2.0 * d * width);
        return 2.0 * (3.0 * b * perExample + 6.0 * vocabulary * d * width);
    }
    const double d = c.model.dModel, m = c.model.dMlp, vocabulary = data.vocabularySize,
                 length = data.sequenceLength;
    const double perExample = 6.0 * d * m + 3.0 * d * classes + 3.0 * d * d;
    const bool fused = c.model.layers == 1 && c.model.layerNorm == LayerNormPlacement::None
                       && !c.model.finalLayerNorm && c.model.lookupTables;
    if (!fused)
        return 2.0 * b * length * c.model.layers * (perExample + 9.0 * d * d);
    const double tables = 3.0 * (2.0 * vocabulary * length + vocabulary) * d * d;
    return 2.0 * (b * perExample + tables);
}

double entropyFloorStepFlops(int64_t batch, int64_t width)
{
    const double b = double(batch), d = double(width);
    return 2.0 * (2.0 * 2.0 * b * d * d) + 60.0 * d * d * d;
}

int64_t representationWidth(const ModelConfig& model)
{
    return model.architecture == Architecture::Mlp ? model.mlpHiddenWidth : model.dModel;
}

int64_t stepBatch(const TrainConfig& c, const Dataset& data)
{
    return c.optim.batchMode == BatchMode::FullBatch ? int64_t(data.trainPairs.size()) : int64_t(c.optim.batchSize);
}

}  // namespace grokscope
