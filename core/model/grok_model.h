#pragma once
// The models' common face. Internal to core (includes torch): the trainer uses it,
// the UI never sees it.

#include "model/parameter_store.h"
#include "config/train_config.h"

#include <memory>

namespace grokscope {

struct Dataset;

struct ModelOutput {
    torch::Tensor logits;          // B × classes
    torch::Tensor representation;  // B × d: the input of the unembedding, on which H̃ is measured
};

// Representation mixing (docs/science.md, "Interventions"): z_i ← (1−α) z_i + α z_π(i),
// with π a derangement of the batch. Only training forward passes carry one.
struct MixingRequest {
    double alpha = 0.0;
    MixingSite site = MixingSite::FinalResidual;
    torch::Tensor permutation;  // int64, B
};

class GrokModel {
public:
    virtual ~GrokModel() = default;
    virtual ModelOutput forward(const torch::Tensor& tokens, const MixingRequest* mixing) = 0;
    virtual int representationWidth() const = 0;
    // The d × classes matrix that maps the representation to the logits (both models
    // declare it as "unembed"); read by the log-alignment ratio.
    const torch::Tensor& unembedding() const;
    ParameterStore& parameters() { return m_parameters; }
    const ParameterStore& parameters() const { return m_parameters; }

protected:
    ParameterStore m_parameters;
};

std::unique_ptr<GrokModel> createModel(const ModelConfig& config, const Dataset& data,
                                       uint64_t seed, torch::Device device);

torch::Tensor applyMixing(const torch::Tensor& values, const MixingRequest& mixing);

class FusedTransformer;
class WorkerPool;
// Whether FusedTransformer can train this model: a 1-layer Transformer without
// LayerNorm, on the CPU, with model.lookup_tables (false selects the plain path).
bool fusedTransformerApplies(const ModelConfig& config, torch::Device device, const Dataset& data);
// A FusedTransformer over `model`'s parameter store (which must outlive it).
std::unique_ptr<FusedTransformer> createFusedTransformer(const GrokModel& model, const Dataset& data,
                                                         const ModelConfig& config, WorkerPool& pool);

class FusedMlp;
// Whether FusedMlp can train this model: the MLP control on the CPU.
bool fusedMlpApplies(const ModelConfig& config, torch::Device device);
// A FusedMlp over `model`'s parameter store (an MlpModel's; the store must outlive it).
std::unique_ptr<FusedMlp> createFusedMlp(const GrokModel& model, const Dataset& data, const ModelConfig& config,
                                         WorkerPool& pool);

}  // namespace grokscope
