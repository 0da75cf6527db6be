#pragma once
// The levers of one Trainer: their settings, the config's schedule windows, the events
// a change produces, and how each acts on a step (the mixing plan, the entropy floor's
// penalty, the norm-matching rescale). Internal to core/train; tensors appear
// only as forward-declared at::Tensor, so this header stays torch-free.
// docs/science.md, "Interventions".

#include "config/levers.h"
#include "config/train_config.h"
#include "metrics/entropy_gradient.h"
#include "metrics/run_observer.h"
#include "model/mixing_plan.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace at {
class Tensor;
}

namespace grokscope {

// The ‖θ‖₂ trajectory the norm-matched control follows: (step, norm) points sorted by
// step, and the run they were read from. Empty = off.
struct NormTrajectory {
    std::vector<std::pair<long, double>> points;
    std::string source;

    bool empty() const { return points.empty(); }
    // Linear interpolation between points, held constant beyond the ends.
    double at(long step) const;
};

class Interventions {
public:
    // Starts with the config's settings, all switched off until their window opens.
    explicit Interventions(const InterventionConfig& schedule);

    const MixingSettings& mixing() const { return m_mixing; }
    const EntropyFloorSettings& entropyFloor() const { return m_floor; }
    const NormTrajectory& normTrajectory() const { return m_norm; }
    NormMatchSettings normMatch() const { return {!m_norm.empty(), m_norm.source}; }
    double lastBatchEntropy() const { return m_lastBatchEntropy; }

    // Each setter returns the "intervention" event of a change (logged at `step`), or
    // nothing when the lever already had these settings.
    std::optional<RunEvent> setMixing(const MixingSettings& settings, long step);
    std::optional<RunEvent> setEntropyFloor(const EntropyFloorSettings& settings, long step);
    // Sorts the points; an event only when the control switches on or off.
    std::optional<RunEvent> setNormTrajectory(NormTrajectory trajectory, long step);

    // The config's schedule switches a lever at its window's edges only, so the GUI's
    // toggle can override it in between. Called before step `stepNumber` runs.
    std::vector<RunEvent> applySchedule(long stepNumber, long step);

    // Restores a checkpoint's state without events.
    void restore(const MixingSettings& mixing, const EntropyFloorSettings& floor, NormTrajectory norm);

    // Mixing acts on a step of `rows` examples with these labels (null where the
    // permutation reads none: mixingPermutationReadsLabels): its plan, drawn from the
    // step's own stream streamSeed(modelSeed, kMixingStream, stepNumber); empty when
    // mixing does not apply to this step (model/mixing_plan.h).
    MixingPlan mixingPlan(const int64_t* labels, int64_t rows, unsigned long long modelSeed, long stepNumber) const;
    bool entropyFloorApplies(int64_t batch) const;
    // Adds the gradient of the floor's penalty β·max(0, H̃_floor − H̃_batch) with respect
    // to the representation z (rows × width, row-major: the batch's rows) to dz, in
    // closed form (metrics/entropy_gradient.h); H̃_batch is that of z's centred
    // covariance, as the spectrum metric computes it. Records H̃_batch.
    void addEntropyFloorGradient(const float* z, float* dz, int64_t rows, int64_t width);
    // After the optimiser step: rescales the flat parameters to the trajectory's norm
    // at `stepNumber`. Does nothing while the control is off.
    void matchNorm(at::Tensor& flatValues, long stepNumber) const;

private:
    InterventionConfig m_schedule;
    MixingSettings m_mixing;
    EntropyFloorSettings m_floor;
    NormTrajectory m_norm;
    double m_lastBatchEntropy;
    // The floor's per-step storage, kept so that a step allocates nothing.
    Eigen::MatrixXd m_floorRepresentation;
    EntropyGradientWorkspace m_floorWorkspace;
    EntropyFloorPenaltyGradient m_floorResult;
};

}  // namespace grokscope
