#include "train/interventions.h"

#include "tasks/seeded_random.h"

#include <Eigen/Core>

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace grokscope {

namespace {

RunEvent interventionEvent(const std::string& kind, bool enabled, long step)
{
    RunEvent event;
    event.step = step;
    event.type = "intervention";
    event.labels["kind"] = kind;
    event.labels["state"] = enabled ? "on" : "off";
    return event;
}

// A scheduled lever is on for steps from+1 … until: at the window's first step it
// switches on, after its last one off. Nothing elsewhere.
std::optional<bool> windowEdge(bool scheduled, const LeverWindow& window, long stepNumber)
{
    if (!scheduled)
        return std::nullopt;
    const bool atStart = stepNumber == window.fromStep + 1;
    const bool atEnd = window.untilStep >= 0 && stepNumber == window.untilStep + 1;
    if (!atStart && !atEnd)
        return std::nullopt;
    return atStart && !atEnd;
}

}  // namespace

double NormTrajectory::at(long step) const
{
    if (step <= points.front().first)
        return points.front().second;
    if (step >= points.back().first)
        return points.back().second;
    auto upper = std::lower_bound(points.begin(), points.end(), step,
                                  [](const auto& point, long s) { return point.first < s; });
    auto lower = upper - 1;
    const double t = double(step - lower->first) / double(upper->first - lower->first);
    return lower->second + t * (upper->second - lower->second);
}

Interventions::Interventions(const InterventionConfig& schedule)
    : m_schedule(schedule),
      m_mixing(schedule.mixingSettings()),
      m_floor(schedule.entropyFloorSettings()),
      m_lastBatchEntropy(std::nan(""))
{
    m_mixing.enabled = false;
    m_floor.enabled = false;
}

std::optional<RunEvent> Interventions::setMixing(const MixingSettings& settings, long step)
{
    if (settings == m_mixing)
        return std::nullopt;
    m_mixing = settings;
    RunEvent event = interventionEvent("mixing", settings.enabled, step);
    event.values["alpha"] = settings.alpha;
    event.labels["site"] = mixingSiteName(settings.site);
    std::ostringstream message;
    message << "representation mixing " << (settings.enabled ? "on" : "off") << " (alpha " << settings.alpha << ", "
            << mixingSiteName(settings.site);
    // The variants only where they differ from the defaults, so that the lever's
    // default events read as they always did.
    const MixingSettings defaults;
    auto variant = [&](const char* key, const char* value, bool differs) {
        if (!differs)
            return;
        event.labels[key] = value;
        message << ", " << key << " " << value;
    };
    variant("form", leverValueName(kMixingFormNames, settings.form), settings.form != defaults.form);
    variant("partner_gradient", leverValueName(kMixingPartnerGradientNames, settings.partnerGradient),
            settings.partnerGradient != defaults.partnerGradient);
    variant("permutation", leverValueName(kMixingPermutationNames, settings.permutation),
            settings.permutation != defaults.permutation);
    if (settings.probability != defaults.probability) {
        event.values["probability"] = settings.probability;
        message << ", probability " << settings.probability;
    }
    variant("labels", settings.mixLabels ? "mixed" : "unmixed", settings.mixLabels != defaults.mixLabels);
    variant("at_evaluation", settings.atEvaluation ? "on" : "off", settings.atEvaluation != defaults.atEvaluation);
    message << ") at step " << step;
    event.message = message.str();
    return event;
}

std::optional<RunEvent> Interventions::setEntropyFloor(const EntropyFloorSettings& settings, long step)
{
    if (settings == m_floor)
        return std::nullopt;
    m_floor = settings;
    RunEvent event = interventionEvent("entropy_floor", settings.enabled, step);
    event.values["target"] = settings.target;
    event.values["weight"] = settings.weight;
    std::ostringstream message;
    message << "entropy floor " << (settings.enabled ? "on" : "off") << " (H~ floor " << settings.target
            << ", weight " << settings.weight << ") at step " << step;
    event.message = message.str();
    return event;
}

std::optional<RunEvent> Interventions::setNormTrajectory(NormTrajectory trajectory, long step)
{
    std::sort(trajectory.points.begin(), trajectory.points.end());
    const bool wasOn = !m_norm.empty();
    m_norm = std::move(trajectory);
    const bool isOn = !m_norm.empty();
    if (wasOn == isOn)
        return std::nullopt;
    RunEvent event = interventionEvent("norm_match", isOn, step);
    event.labels["reference"] = m_norm.source;
    event.message = std::string("norm matching ") + (isOn ? "on, following " + m_norm.source : "off") + " at step "
                    + std::to_string(step);
    return event;
}

std::vector<RunEvent> Interventions::applySchedule(long stepNumber, long step)
{
    std::vector<RunEvent> events;
    if (const auto on = windowEdge(m_schedule.mixing, m_schedule.mixingWindow(), stepNumber)) {
        MixingSettings scheduled = m_schedule.mixingSettings();
        scheduled.enabled = *on;
        if (auto event = setMixing(scheduled, step))
            events.push_back(std::move(*event));
    }
    if (const auto on = windowEdge(m_schedule.entropyFloor, m_schedule.entropyFloorWindow(), stepNumber)) {
        EntropyFloorSettings scheduled = m_schedule.entropyFloorSettings();
        scheduled.enabled = *on;
        if (auto event = setEntropyFloor(scheduled, step))
            events.push_back(std::move(*event));
    }
    return events;
}

void Interventions::restore(const MixingSettings& mixing, const EntropyFloorSettings& floor, NormTrajectory norm)
{
    m_mixing = mixing;
    m_floor = floor;
    m_norm = std::move(norm);
}

MixingPlan Interventions::mixingPlan(const int64_t* labels, int64_t rows, unsigned long long modelSeed,
                                     long stepNumber) const
{
    if (!m_mixing.enabled)
        return {};
    return drawMixingPlan(m_mixing, labels, rows, streamSeed(modelSeed, kMixingStream, uint64_t(stepNumber)));
}

bool Interventions::entropyFloorApplies(int64_t batch) const
{
    return m_floor.enabled && m_floor.weight > 0.0 && batch > 1;
}

// No autograd through an eigensolver: one eigendecomposition gives H̃ and its gradient
// (metrics/entropy_gradient.h, which also says why it equals what autograd gave for
// the torch expression the floor used before, kept in tests/tst_entropy_gradient.cpp).
void Interventions::addEntropyFloorGradient(const float* z, float* dz, int64_t rows, int64_t width)
{
    using RowMajorFloat = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    m_floorRepresentation = Eigen::Map<const RowMajorFloat>(z, rows, width).cast<double>();
    entropyFloorPenaltyGradient(m_floorRepresentation, m_floor.target, m_floor.weight, m_floorWorkspace, m_floorResult);
    m_lastBatchEntropy = m_floorResult.entropy;
    if (m_floorResult.penalty == 0.0)
        return;  // H̃ at or above the target: the penalty and its gradient are zero
    Eigen::Map<RowMajorFloat>(dz, rows, width) += m_floorResult.gradient.cast<float>();
}

void Interventions::matchNorm(at::Tensor& flatValues, long stepNumber) const
{
    if (m_norm.empty())
        return;
    torch::NoGradGuard noGrad;
    const double current = flatValues.norm().item<double>();
    const double target = m_norm.at(stepNumber);
    if (current > 0.0)
        flatValues.mul_(target / current);
}

}  // namespace grokscope
