#pragma once
// The run-time levers as values: what a lever is set to, declared once and passed
// whole from the GUI's panel through the session and the worker to the Trainer, and
// from a config's schedule (InterventionConfig) to the same Trainer call. Their
// defaults are the defaults of the matching config keys. The science of each lever:
// docs/science.md, "Interventions".

#include <cstddef>
#include <string>
#include <utility>

namespace grokscope {

enum class MixingSite { FinalResidual, AttentionOutput, Embedding };

// The paper says only that representations are "shuffled within a batch by a
// derangement" (docs/science.md, "Interventions"). The choices it leaves open are the
// variants below; the first value of each is what GrokScope did before they existed.

// How a row meets its partner: convex, z_i ← (1−α) z_i + α z_π(i) for every row; or
// swap, z_i ← z_π(i) for round(α·P) of the P rows with a partner, drawn at random
// (the others unchanged).
enum class MixingForm { Convex, Swap };
// Whether the loss reaches the partner row through its mixed-in share (through), or the
// partner's share is a constant in the backward pass (detached).
enum class MixingPartnerGradient { Through, Detached };
// Which permutation π of the batch: one random B-cycle (cycle); a uniform random
// derangement (derangement); a derangement within each label's rows (same_class:
// rows whose label occurs once in the batch stay unmixed); a permutation that pairs
// every row with a row of another label (different_class: rows of a label that fills
// more than half of the batch may pair within it). drawMixingPlan (model/mixing_plan.h)
// builds them.
enum class MixingPermutation { Cycle, Derangement, SameClass, DifferentClass };

// The names configs, events and checkpoints use: declared here only.
inline constexpr std::pair<MixingSite, const char*> kMixingSiteNames[] = {
    {MixingSite::FinalResidual, "final_residual"},
    {MixingSite::AttentionOutput, "attention_output"},
    {MixingSite::Embedding, "embedding"}};
inline constexpr std::pair<MixingForm, const char*> kMixingFormNames[] = {
    {MixingForm::Convex, "convex"}, {MixingForm::Swap, "swap"}};
inline constexpr std::pair<MixingPartnerGradient, const char*> kMixingPartnerGradientNames[] = {
    {MixingPartnerGradient::Through, "through"}, {MixingPartnerGradient::Detached, "detached"}};
inline constexpr std::pair<MixingPermutation, const char*> kMixingPermutationNames[] = {
    {MixingPermutation::Cycle, "cycle"},
    {MixingPermutation::Derangement, "derangement"},
    {MixingPermutation::SameClass, "same_class"},
    {MixingPermutation::DifferentClass, "different_class"}};

// The name of a value from one of the tables above ("unknown" if it is not there).
template <typename Enum, std::size_t N>
const char* leverValueName(const std::pair<Enum, const char*> (&names)[N], Enum value)
{
    for (const auto& [known, name] : names)
        if (known == value)
            return name;
    return "unknown";
}
// The value with that name; false for an unknown name.
template <typename Enum, std::size_t N>
bool leverValueFromName(const std::pair<Enum, const char*> (&names)[N], const std::string& name, Enum& value)
{
    for (const auto& [known, knownName] : names)
        if (name == knownName) {
            value = known;
            return true;
        }
    return false;
}

inline const char* mixingSiteName(MixingSite site) { return leverValueName(kMixingSiteNames, site); }
inline bool mixingSiteFromName(const std::string& name, MixingSite& site)
{
    return leverValueFromName(kMixingSiteNames, name, site);
}

// Representation mixing: z_i ← (1 − a_i) z_i + a_i z_π(i) with π from `permutation`,
// a_i = α (convex) or 0/1 (swap), on a step with probability `probability`.
struct MixingSettings {
    bool enabled = false;
    double alpha = 0.3;
    MixingSite site = MixingSite::FinalResidual;
    MixingForm form = MixingForm::Convex;
    MixingPartnerGradient partnerGradient = MixingPartnerGradient::Through;
    MixingPermutation permutation = MixingPermutation::Cycle;
    double probability = 1.0;  // chance that a training step mixes, drawn per step
    bool mixLabels = false;    // mixup: the loss target is mixed with the same a_i and π
    // Mix the evaluation and probe forward passes as well (accuracies and H̃ are then
    // measured on mixed representations); training-only when false.
    bool atEvaluation = false;

    bool operator==(const MixingSettings& o) const
    {
        return enabled == o.enabled && alpha == o.alpha && site == o.site && form == o.form
               && partnerGradient == o.partnerGradient && permutation == o.permutation
               && probability == o.probability && mixLabels == o.mixLabels && atEvaluation == o.atEvaluation;
    }
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
