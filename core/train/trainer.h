#pragma once
// Trains one model on one task, evaluates on its cadence and reports value
// snapshots to observers. No files (see Run) and no torch in this header.
// Not thread-safe: one thread owns a Trainer; others talk to it through the owner.

#include "config/levers.h"
#include "config/train_config.h"
#include "metrics/event_detector.h"
#include "metrics/run_observer.h"
#include "tasks/dataset.h"

#include <memory>
#include <string>
#include <vector>

namespace grokscope {

// A cross-entropy above this is divergence, not learning: uniform guessing over the
// largest task's 720 classes costs ln 720 ≈ 6.6 nats.
inline constexpr double kDivergedLoss = 1e4;

class Trainer {
public:
    // Throws std::invalid_argument naming the config key for an impossible config.
    explicit Trainer(const TrainConfig& config);
    ~Trainer();
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    void addObserver(RunObserver* observer);

    const TrainConfig& config() const;
    const Dataset& dataset() const;
    long step() const;
    // Threads the engine computes with (run.threads resolved), and whether a
    // hand-written step runs (FusedTransformer, FusedMlp) or the autograd path.
    int threads() const;
    bool fusedPath() const;
    // True once config.run.steps is reached, after a NaN/Inf loss, or after T_grok
    // (plus the configured margin) when run.stop_at_grok is set.
    bool finished() const;
    const std::string& failure() const;  // why training stopped early; empty otherwise
    bool diverged() const;               // the failure is a divergence (kDivergedLoss, NaN, Inf)

    // Runs up to `maxSteps` optimiser steps, evaluating on the configured cadence.
    // Returns how many steps ran.
    long advance(long maxSteps);
    // Evaluates at the current step unless that step was already evaluated.
    void evaluate();

    // The levers (config/levers.h): the GUI's switches and the config's schedule set
    // them; each change is recorded as an "intervention" event.
    void setMixing(const MixingSettings& settings);
    const MixingSettings& mixing() const;
    // Entropy floor: adds weight·max(0, target − H̃_batch) to the training loss.
    void setEntropyFloor(const EntropyFloorSettings& settings);
    const EntropyFloorSettings& entropyFloor() const;
    double lastBatchEntropy() const;  // H̃ of the latest batch under the floor (NaN before)
    // Norm matching follows ‖θ‖₂(step), linearly interpolated, after every optimiser
    // step. The trajectory is data (Run::setNormMatch reads it from the reference run's
    // log); an empty one switches the control off. `source` names where it came from.
    void setNormTrajectory(std::vector<std::pair<long, double>> trajectory, const std::string& source);
    NormMatchSettings normMatch() const;

    const EventDetector& events() const;
    std::vector<std::string> parameterNames() const;
    long parameterCount() const;
    double trainingMs() const;  // wall time spent in optimiser steps
    double lastTrainingLoss() const;  // minibatch loss of the latest step (NaN before the first)

    // Everything needed to continue bit-for-bit: parameters, AdamW moments, step,
    // elapsed time, the levers and the event-detector state, as named fields of a
    // versioned archive (train/checkpoint_io.h; checkpoints of release 0.1 still load).
    // Batches are a pure function of (seed, step), so no generator state needs saving.
    // Both throw RunLogError naming the file: a full disk, a damaged checkpoint (its
    // checksum), or one from another run (its identity; io/checkpoint_file.h).
    void saveCheckpoint(const std::string& path) const;
    void loadCheckpoint(const std::string& path);

    // Final-position representations of the probe set (N × d), for analysis in Python.
    RepresentationSample probeRepresentations();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

}  // namespace grokscope
