#pragma once
// The run-time levers as values: what a lever is set to, declared once and passed
// whole from the GUI's panel through the session and the worker to the Trainer, and
// from a config's schedule (InterventionConfig) to the same Trainer call. Their
// defaults are the defaults of the matching config keys. The science of each lever:
// docs/science.md, "Interventions".

#include <string>
#include <utility>

namespace grokscope {

enum class MixingSite { FinalResidual, AttentionOutput, Embedding };

// The name a config, an event and a checkpoint use for each site: declared here only.
inline constexpr std::pair<MixingSite, const char*> kMixingSiteNames[] = {
    {MixingSite::FinalResidual, "final_residual"},
    {MixingSite::AttentionOutput, "attention_output"},
    {MixingSite::Embedding, "embedding"}};

const char* mixingSiteName(MixingSite site);
// The site with that name; false for an unknown name.
bool mixingSiteFromName(const std::string& name, MixingSite& site);

// Representation mixing, z_i ← (1−α) z_i + α z_π(i) with π a derangement of the batch.
struct MixingSettings {
    bool enabled = false;
    double alpha = 0.3;
    MixingSite site = MixingSite::FinalResidual;

    bool operator==(const MixingSettings& o) const { return enabled == o.enabled && alpha == o.alpha && site == o.site; }
    bool operator!=(const MixingSettings& o) const { return !(*this == o); }
};

// The entropy floor: the training loss gains weight·max(0, target − H̃_batch).
struct EntropyFloorSettings {
    bool enabled = false;
    double target = 0.75;  // H̃_floor: about the plateau value of z97-add
    double weight = 1.0;   // β

    bool operator==(const EntropyFloorSettings& o) const
    {
        return enabled == o.enabled && target == o.target && weight == o.weight;
    }
    bool operator!=(const EntropyFloorSettings& o) const { return !(*this == o); }
};

// The norm-matched control: after every step ‖θ‖₂ is rescaled to follow the reference
// run's trajectory. The setting names the run; the trajectory itself is data, read
// from that run's log (Run::setNormMatch) and kept by the Trainer and its checkpoints,
// so a resumed run follows the same curve even if the reference has moved.
struct NormMatchSettings {
    bool enabled = false;
    std::string referenceRun;  // the run directory whose trajectory is followed

    bool operator==(const NormMatchSettings& o) const { return enabled == o.enabled && referenceRun == o.referenceRun; }
    bool operator!=(const NormMatchSettings& o) const { return !(*this == o); }
};

// A config's schedule window: a lever is active for steps in (fromStep, untilStep];
// untilStep -1 = to the end.
struct LeverWindow {
    long fromStep = 0;
    long untilStep = -1;
};

}  // namespace grokscope
