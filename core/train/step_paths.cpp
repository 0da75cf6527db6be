#include "train/step_paths.h"

#include "tasks/seeded_random.h"
#include "train/trainer.h"
#include "train/trainer_state.h"

#include <cmath>

namespace grokscope {

namespace {

// The step's minibatch: the whole train split, or examples drawn with replacement from
// the step's own stream, so any step's batch is known without generator state.
std::pair<torch::Tensor, torch::Tensor> batchFor(const TrainerState& s, long stepNumber)
{
    if (s.config.optim.batchMode == BatchMode::FullBatch)
        return {s.tensors.trainTokens, s.tensors.trainLabels};
    const int64_t batch = s.config.optim.batchSize;
    torch::Tensor index = torch::empty({batch}, torch::kInt64);
    auto* out = index.data_ptr<int64_t>();
    SplitMix64 random(streamSeed(s.config.run.modelSeed, kBatchStream, static_cast<uint64_t>(stepNumber)));
    const uint64_t trainCount = s.data.trainPairs.size();
    for (int64_t i = 0; i < batch; ++i)
        out[i] = static_cast<int64_t>(random.below(trainCount));
    index = index.to(s.device);
    return {s.tensors.trainTokens.index_select(0, index), s.tensors.trainLabels.index_select(0, index)};
}

// Records the minibatch loss, or stops the run on a diverged one.
bool acceptLoss(TrainerState& s, double lossValue, long stepNumber)
{
    if (!std::isfinite(lossValue) || lossValue > kDivergedLoss) {
        s.stopDiverged("training loss", lossValue, stepNumber);
        return false;
    }
    // The cross-entropy alone, comparable across arms; with label mixing
    // (intervention.mixing_labels) the mixup loss the step trained on, (1 − w_i) CE(y_i) +
    // w_i CE(y_π(i)) averaged over the batch, on its mixing steps.
    s.lastLoss = lossValue;
    return true;
}

void finishStep(TrainerState& s, long stepNumber)
{
    s.optimiser->step(s.learningRateAt(stepNumber));
    s.levers.matchNorm(s.model->parameters().flatValues(), stepNumber);
    s.step = stepNumber;
}

}  // namespace

RepresentationGradient entropyFloorGradient(TrainerState& s, int64_t batch)
{
    if (!s.levers.entropyFloorApplies(batch))
        return {};
    return [&s](const float* z, float* dz, int64_t rows, int64_t width) {
        s.levers.addEntropyFloorGradient(z, dz, rows, width);
    };
}

namespace {

bool autogradStep(TrainerState& s, long stepNumber, const torch::Tensor& tokens, const torch::Tensor& labels,
                  const MixingPlan& plan)
{
    const MixingRequest request = plan.empty() ? MixingRequest{} : mixingRequest(plan, s.device);
    const MixingRequest* mixing = plan.empty() ? nullptr : &request;
    s.model->parameters().flatGradients().zero_();
    const ModelOutput output = s.model->forward(tokens, mixing);
    const torch::Tensor loss = trainingLoss(output.logits, labels, mixing);
    if (!acceptLoss(s, loss.item<double>(), stepNumber))
        return false;
    const RepresentationGradient floor = entropyFloorGradient(s, output.representation.size(0));
    if (floor) {
        // The floor's term enters the backward as a gradient on the representation.
        const torch::Tensor z = output.representation.detach().to(torch::kCPU).contiguous();
        torch::Tensor dz = torch::zeros_like(z);
        floor(z.data_ptr<float>(), dz.data_ptr<float>(), z.size(0), z.size(1));
        torch::autograd::backward({loss, output.representation},
                                  {torch::ones_like(loss), dz.to(output.representation.device())});
    } else {
        loss.backward();
    }
    finishStep(s, stepNumber);
    return true;
}

// The same step as autogradStep, by the run's hand-written step (FusedTransformer or
// FusedMlp). `plan`: the step's mixing, empty without.
bool fusedStep(TrainerState& s, long stepNumber, const torch::Tensor& tokens, const torch::Tensor& labels,
               const MixingPlan& plan)
{
    const int64_t batch = tokens.size(0);
    const MixingPlan* mixing = plan.empty() ? nullptr : &plan;
    const RepresentationGradient floorGradient = entropyFloorGradient(s, batch);
    ParameterStore& store = s.model->parameters();
    const torch::Tensor tokenRows = tokens.contiguous(), labelRows = labels.contiguous();
    const double lossValue =
        s.fused ? s.fused->trainStep(store.flatValues().data_ptr<float>(), store.flatGradients().data_ptr<float>(),
                                     tokenRows.data_ptr<int64_t>(), labelRows.data_ptr<int64_t>(), batch,
                                     mixing, floorGradient)
                : s.fusedMlp->trainStep(store.flatValues().data_ptr<float>(), store.flatGradients().data_ptr<float>(),
                                        tokenRows.data_ptr<int64_t>(), tokenRows.size(1), labelRows.data_ptr<int64_t>(),
                                        batch, mixing, floorGradient);
    // torch's cross-entropy is a float: round the same way before comparing or logging.
    if (!acceptLoss(s, double(float(lossValue)), stepNumber))
        return false;
    finishStep(s, stepNumber);
    return true;
}

}  // namespace

bool trainOneStep(TrainerState& s)
{
    const long stepNumber = s.step + 1;
    for (const RunEvent& event : s.levers.applySchedule(stepNumber, s.step))
        s.emit(event);
    const auto [tokens, labels] = batchFor(s, stepNumber);
    // The class-based permutations pair rows by label: only they read the labels (on the
    // CPU), so that the other steps never copy them from the device.
    torch::Tensor planLabels;
    if (s.levers.mixing().enabled && mixingPermutationReadsLabels(s.levers.mixing().permutation))
        planLabels = labels.to(torch::kCPU).contiguous();
    const MixingPlan plan = s.levers.mixingPlan(planLabels.defined() ? planLabels.data_ptr<int64_t>() : nullptr,
                                                tokens.size(0), s.config.run.modelSeed, stepNumber);
    // The fused steps mix at the attention output and the final residual (the MLP: both
    // at its last hidden layer); mixing at the embedding takes the autograd path.
    const bool embeddingMixing = !plan.empty() && plan.site == MixingSite::Embedding;
    if (embeddingMixing && s.config.model.matmulPrecision == MatmulPrecision::Bf16) {
        // Switched on mid-run (the config refuses it at the start): the autograd step
        // would train in float32 under a bf16 label.
        s.failure = "mixing at the embedding runs on the autograd step, which has no bf16 products "
                    "(model.matmul_precision bf16): the run stopped before step " + std::to_string(stepNumber)
                    + "; its log is kept. Mix at the final residual or the attention output instead.";
        return false;
    }
    if ((s.fused || s.fusedMlp) && !embeddingMixing)
        return fusedStep(s, stepNumber, tokens, labels, plan);
    return autogradStep(s, stepNumber, tokens, labels, plan);
}

}  // namespace grokscope
