#pragma once
// The models' common face. Internal to core (includes torch): the trainer uses it,
// the UI never sees it.

#include "model/mixing_plan.h"
#include "model/parameter_store.h"
#include "config/train_config.h"

#include <memory>

namespace grokscope {

struct Dataset;

struct ModelOutput {
    torch::Tensor logits;          // B × classes
    torch::Tensor representation;  // B × d: the input of the unembedding, on which H̃ is measured
};

// Representation mixing (docs/science.md, "Interventions"): z_i ← (1 − w_i) z_i + w_i z_π(i),
// a MixingPlan (model/mixing_plan.h) as tensors on the model's device. Training forward
// passes carry one; evaluation passes only with intervention.mixing_at_evaluation.
struct MixingRequest {
    MixingSite site = MixingSite::FinalResidual;
    torch::Tensor partner;     // int64, B: π
    torch::Tensor keep, take;  // float32, B: 1 − w_i and w_i, each rounded to float
    // Every row's weight is `alpha` (MixingPlan::uniformWeight): applyMixing then uses
    // the scalar expression the lever always had, so those runs keep their bits.
    bool uniform = false;
    double alpha = 0.0;
    bool detachPartner = false;  // the partner's share is a constant in the backward pass
    bool mixLabels = false;      // trainingLoss mixes the targets with the same π and w
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

// The plan as tensors on `device`; an empty plan is no request (callers pass nullptr).
MixingRequest mixingRequest(const MixingPlan& plan, torch::Device device);
// The rows of `values` (B × …) mixed: (1 − w_i) v_i + w_i v_π(i), the partner's rows
// detached where the request says so.
torch::Tensor applyMixing(const torch::Tensor& values, const MixingRequest& mixing);
// The training loss of a batch: torch's mean cross-entropy, or with mixing->mixLabels the
// mixup loss, the mean over rows of (1 − w_i) CE(logits_i, y_i) + w_i CE(logits_i, y_π(i)).
torch::Tensor trainingLoss(const torch::Tensor& logits, const torch::Tensor& labels, const MixingRequest* mixing);

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
