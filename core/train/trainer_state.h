#pragma once
// The state one Trainer's parts share: the model, its optimiser, the data as tensors,
// the levers and the event detector. Internal to core/train (torch types, through
// model/grok_model.h); the parts are step_paths (training), evaluator (measuring) and
// checkpoint_io (saving and restoring), with trainer.cpp orchestrating them.

#include "compute/worker_pool.h"
#include "config/train_config.h"
#include "metrics/diagnostics.h"
#include "metrics/event_detector.h"
#include "metrics/run_observer.h"
#include "model/fused_mlp.h"
#include "model/fused_transformer.h"
#include "model/grok_model.h"
#include "tasks/dataset.h"
#include "train/adamw.h"
#include "train/interventions.h"

#include <memory>
#include <string>
#include <vector>

namespace grokscope {

// The splits and the probe set as token and label tensors on the run's device.
struct SplitTensors {
    torch::Tensor trainTokens, trainLabels, testTokens, testLabels, probeTokens;
};

struct TrainerState {
    // Throws std::invalid_argument naming the config key (run.device).
    explicit TrainerState(const TrainConfig& config);

    TrainConfig config;
    Dataset data;
    torch::Device device{torch::kCPU};
    std::unique_ptr<GrokModel> model;
    std::unique_ptr<AdamW> optimiser;
    std::unique_ptr<WorkerPool> pool;
    // The hand-written training step, at most one of them; both null where the autograd
    // path runs. Evaluation uses FusedTransformer's tables, but the MLP's torch forward.
    std::unique_ptr<FusedTransformer> fused;
    std::unique_ptr<FusedMlp> fusedMlp;
    int threads = 1;
    SplitTensors tensors;
    EventDetector detector;
    Interventions levers;
    NormDecayTracker normDecay;  // ‖θ‖² since memorisation, for the norm-decay ETA
    std::vector<RunObserver*> observers;
    long step = 0;
    long lastEvaluatedStep = -1;
    double trainingMs = 0.0;
    double lastLoss;  // minibatch cross-entropy of the latest step; NaN before the first
    std::string failure;
    bool diverged = false;  // the failure is a divergence: resuming would repeat it

    void emit(const RunEvent& event);
    double learningRateAt(long stepNumber) const;
    // A run whose numbers left the finite range (or a cross-entropy no trained model
    // reaches) stops as failed, the same way whatever the quantity: a "nan" event now,
    // and a "failed" event with cause "diverged" when the run closes.
    void stopDiverged(const std::string& quantity, double value, long stepNumber);
};

}  // namespace grokscope
