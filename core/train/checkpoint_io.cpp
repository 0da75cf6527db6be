#include "train/checkpoint_io.h"

#include "config/levers.h"
#include "io/run_log.h"
#include "train/trainer_state.h"

#include <cmath>
#include <cstddef>
#include <sstream>

namespace grokscope {

namespace {

// A field that is missing or of the wrong type: reported with its name.
struct FieldError {
    std::string message;
};

c10::IValue readValue(torch::serialize::InputArchive& archive, const std::string& key)
{
    c10::IValue value;
    if (!archive.try_read(key, value))
        throw FieldError{"field " + key + " is missing"};
    return value;
}

bool readBool(torch::serialize::InputArchive& archive, const std::string& key)
{
    const c10::IValue value = readValue(archive, key);
    if (!value.isBool())
        throw FieldError{"field " + key + " is not a boolean"};
    return value.toBool();
}

double readDouble(torch::serialize::InputArchive& archive, const std::string& key)
{
    const c10::IValue value = readValue(archive, key);
    if (!value.isDouble())
        throw FieldError{"field " + key + " is not a number"};
    return value.toDouble();
}

std::string readString(torch::serialize::InputArchive& archive, const std::string& key)
{
    const c10::IValue value = readValue(archive, key);
    if (!value.isString())
        throw FieldError{"field " + key + " is not a string"};
    return value.toStringRef();
}

std::optional<long> readOptionalStep(torch::serialize::InputArchive& archive, const std::string& key)
{
    c10::IValue value;
    if (!archive.try_read(key, value))
        return std::nullopt;
    if (!value.isInt())
        throw FieldError{"field " + key + " is not an integer"};
    return static_cast<long>(value.toInt());
}

torch::Tensor readTensor(torch::serialize::InputArchive& archive, const std::string& key)
{
    torch::Tensor tensor;
    if (!archive.try_read(key, tensor))
        throw FieldError{"field " + key + " is missing"};
    return tensor;
}

// (a, b) rows of an N × 2 (format 2) or flat {a, b, a, b, …} (format 1) float64 tensor.
std::vector<std::pair<double, double>> pairsOf(const torch::Tensor& tensor)
{
    const torch::Tensor flat = tensor.to(torch::kFloat64).contiguous().reshape({-1});
    std::vector<std::pair<double, double>> out;
    for (int64_t i = 0; i + 1 < flat.numel(); i += 2)
        out.emplace_back(flat[i].item<double>(), flat[i + 1].item<double>());
    return out;
}

torch::Tensor pairTensor(const std::vector<std::pair<double, double>>& pairs)
{
    std::vector<double> flat;
    for (const auto& [a, b] : pairs) {
        flat.push_back(a);
        flat.push_back(b);
    }
    return torch::tensor(flat, torch::kFloat64).reshape({static_cast<int64_t>(pairs.size()), 2});
}

NormTrajectory trajectoryOf(const torch::Tensor& tensor, std::string source)
{
    NormTrajectory trajectory;
    trajectory.source = std::move(source);
    for (const auto& [step, norm] : pairsOf(tensor))
        trajectory.points.emplace_back(static_cast<long>(step), norm);
    return trajectory;
}

// The fields both formats share: parameters, optimiser, step and clocks.
void restoreCommon(TrainerState& s, torch::serialize::InputArchive& archive)
{
    s.model->parameters().assign(readTensor(archive, "parameters").to(s.device));
    s.optimiser->load(archive, s.device);
    s.step = readTensor(archive, "step").item<int64_t>();
    s.trainingMs = readTensor(archive, "training_ms").item<double>();
    s.lastEvaluatedStep = readTensor(archive, "last_evaluated_step").item<int64_t>();
}

std::vector<double> valuesOf(const torch::Tensor& tensor)
{
    const torch::Tensor flat = tensor.to(torch::kFloat64).contiguous();
    return std::vector<double>(flat.data_ptr<double>(), flat.data_ptr<double>() + flat.numel());
}

// Formats 1 and 2 kept the collapse rule's last H̃ values without their steps: the rule
// then counted spectrum evaluations, and the values came from consecutive ones. The
// newest is the latest spectrum step at or before the checkpoint's last evaluation, L,
// and value i of n is at L − (n − 1 − i) × C, C = run.spectrum_every_steps. Exact unless
// an evaluation in that span had a non-finite H̃, which the old rule skipped (the values
// before it are then C steps older than assigned).
std::vector<EntropyPoint> historyAtCadence(const std::vector<double>& values, const TrainerState& s)
{
    const long cadence = s.config.run.spectrumEverySteps;
    std::vector<EntropyPoint> history;
    if (cadence <= 0 || s.lastEvaluatedStep < 0)
        return history;  // no spectrum evaluation, so no value to place
    const long newest = s.lastEvaluatedStep / cadence * cadence;
    const long n = static_cast<long>(values.size());
    for (long i = 0; i < n; ++i) {
        const long step = newest - (n - 1 - i) * cadence;
        if (step >= 0)
            history.push_back({step, values[static_cast<size_t>(i)]});
    }
    return history;
}

// Format 3's N × 2 (step, H̃) rows, steps increasing.
std::vector<EntropyPoint> historyOf(const torch::Tensor& tensor, const std::string& key)
{
    std::vector<EntropyPoint> history;
    for (const auto& [step, entropy] : pairsOf(tensor)) {
        if (!(step >= 0 && step <= 1e15 && step == std::floor(step)))
            throw FieldError{"field " + key + " holds a step that is not one"};
        if (!history.empty() && !(step > static_cast<double>(history.back().step)))
            throw FieldError{"field " + key + " has steps that do not increase"};
        history.push_back({static_cast<long>(step), entropy});
    }
    return history;
}

template <typename Enum, std::size_t N>
Enum readLeverValue(torch::serialize::InputArchive& archive, const std::string& key,
                    const std::pair<Enum, const char*> (&names)[N])
{
    const std::string name = readString(archive, key);
    Enum value{};
    if (!leverValueFromName(names, name, value))
        throw FieldError{"field " + key + " names no known value: \"" + name + "\""};
    return value;
}

void restoreFormat1(TrainerState& s, torch::serialize::InputArchive& archive)
{
    const torch::Tensor mixing = readTensor(archive, "mixing");
    s.levers.restore({mixing[0].item<double>() != 0.0, mixing[1].item<double>(),
                      static_cast<MixingSite>(static_cast<int>(mixing[2].item<double>()))},
                     s.levers.entropyFloor(), trajectoryOf(readTensor(archive, "norm_trajectory"), std::string()));
    torch::Tensor floor;
    if (archive.try_read("entropy_floor", floor))  // absent in checkpoints older than the lever
        s.levers.restore(s.levers.mixing(),
                         {floor[0].item<double>() != 0.0, floor[1].item<double>(), floor[2].item<double>()},
                         s.levers.normTrajectory());
    torch::Tensor normHistory;
    std::vector<std::pair<double, double>> normPoints;
    if (archive.try_read("squared_norm_history", normHistory))  // absent before the norm-decay diagnostic
        normPoints = pairsOf(normHistory);
    s.normDecay.restore(std::move(normPoints));
    const torch::Tensor eventSteps = readTensor(archive, "event_steps");
    auto optionalStep = [&](int i) -> std::optional<long> {
        const double v = eventSteps[i].item<double>();
        return v < 0 ? std::nullopt : std::optional<long>(static_cast<long>(v));
    };
    EventDetector::State state;
    state.memorised = optionalStep(0);
    state.grokked = optionalStep(1);
    state.crossed = optionalStep(2);
    state.collapsed = optionalStep(3);
    state.entropyHistory = historyAtCadence(valuesOf(readTensor(archive, "recent_entropy")), s);
    s.detector.restore(state);
}

// Formats 2 and 3: format 2 lacks the mixing variants (its runs mixed as their defaults
// do) and kept the collapse rule's H̃ values without their steps.
void restoreNamedFields(TrainerState& s, torch::serialize::InputArchive& archive, int64_t format)
{
    MixingSettings mixing;
    mixing.enabled = readBool(archive, "mixing/enabled");
    mixing.alpha = readDouble(archive, "mixing/alpha");
    const std::string site = readString(archive, "mixing/site");
    if (!mixingSiteFromName(site, mixing.site))
        throw FieldError{"field mixing/site names no site: \"" + site + "\""};
    if (format >= 3) {
        mixing.form = readLeverValue(archive, "mixing/form", kMixingFormNames);
        mixing.partnerGradient = readLeverValue(archive, "mixing/partner_gradient", kMixingPartnerGradientNames);
        mixing.permutation = readLeverValue(archive, "mixing/permutation", kMixingPermutationNames);
        mixing.probability = readDouble(archive, "mixing/probability");
        mixing.mixLabels = readBool(archive, "mixing/labels");
        mixing.atEvaluation = readBool(archive, "mixing/at_evaluation");
    }
    EntropyFloorSettings floor;
    floor.enabled = readBool(archive, "entropy_floor/enabled");
    floor.target = readDouble(archive, "entropy_floor/target");
    floor.weight = readDouble(archive, "entropy_floor/weight");
    s.levers.restore(mixing, floor,
                     trajectoryOf(readTensor(archive, "norm_match/trajectory"),
                                  readString(archive, "norm_match/reference")));
    s.normDecay.restore(pairsOf(readTensor(archive, "norm_decay/squared_norms")));
    EventDetector::State state;
    state.memorised = readOptionalStep(archive, "events/memorised");
    state.grokked = readOptionalStep(archive, "events/grokked");
    state.crossed = readOptionalStep(archive, "events/threshold_crossing");
    state.collapsed = readOptionalStep(archive, "events/collapsed");
    if (format >= 3)
        state.entropyHistory = historyOf(readTensor(archive, "events/entropy_history"), "events/entropy_history");
    else
        state.entropyHistory = historyAtCadence(valuesOf(readTensor(archive, "events/recent_entropy")), s);
    s.detector.restore(state);
}

}  // namespace

std::string checkpointArchive(const TrainerState& s)
{
    torch::serialize::OutputArchive archive;
    archive.write("format_version", c10::IValue(static_cast<int64_t>(kCheckpointFormatVersion)));
    archive.write("parameters", s.model->parameters().flatValues().to(torch::kCPU));
    s.optimiser->save(archive);
    archive.write("step", torch::tensor(static_cast<int64_t>(s.step)));
    archive.write("training_ms", torch::tensor(s.trainingMs, torch::kFloat64));
    archive.write("last_evaluated_step", torch::tensor(static_cast<int64_t>(s.lastEvaluatedStep)));
    const MixingSettings& mixing = s.levers.mixing();
    archive.write("mixing/enabled", c10::IValue(mixing.enabled));
    archive.write("mixing/alpha", c10::IValue(mixing.alpha));
    archive.write("mixing/site", c10::IValue(std::string(mixingSiteName(mixing.site))));
    archive.write("mixing/form", c10::IValue(std::string(leverValueName(kMixingFormNames, mixing.form))));
    archive.write("mixing/partner_gradient",
                  c10::IValue(std::string(leverValueName(kMixingPartnerGradientNames, mixing.partnerGradient))));
    archive.write("mixing/permutation",
                  c10::IValue(std::string(leverValueName(kMixingPermutationNames, mixing.permutation))));
    archive.write("mixing/probability", c10::IValue(mixing.probability));
    archive.write("mixing/labels", c10::IValue(mixing.mixLabels));
    archive.write("mixing/at_evaluation", c10::IValue(mixing.atEvaluation));
    const EntropyFloorSettings& floor = s.levers.entropyFloor();
    archive.write("entropy_floor/enabled", c10::IValue(floor.enabled));
    archive.write("entropy_floor/target", c10::IValue(floor.target));
    archive.write("entropy_floor/weight", c10::IValue(floor.weight));
    const NormTrajectory& norm = s.levers.normTrajectory();
    std::vector<std::pair<double, double>> normPoints;
    for (const auto& [step, value] : norm.points)
        normPoints.emplace_back(static_cast<double>(step), value);
    archive.write("norm_match/reference", c10::IValue(norm.source));
    archive.write("norm_match/trajectory", pairTensor(normPoints));
    const EventDetector::State events = s.detector.state();
    const std::pair<const char*, const std::optional<long>&> steps[] = {{"events/memorised", events.memorised},
                                                                        {"events/grokked", events.grokked},
                                                                        {"events/threshold_crossing", events.crossed},
                                                                        {"events/collapsed", events.collapsed}};
    for (const auto& [key, step] : steps)
        if (step)
            archive.write(key, c10::IValue(static_cast<int64_t>(*step)));
    std::vector<std::pair<double, double>> entropyHistory;
    for (const EntropyPoint& point : events.entropyHistory)
        entropyHistory.emplace_back(static_cast<double>(point.step), point.entropy);
    archive.write("events/entropy_history", pairTensor(entropyHistory));
    archive.write("norm_decay/squared_norms", pairTensor(s.normDecay.points()));
    // Serialised in memory, then written by checkpoint_file with its checksum: LibTorch's
    // own file writer aborts the process when the disk fills (it throws from a destructor).
    std::ostringstream bytes;
    archive.save_to(bytes);
    return bytes.str();
}

void restoreCheckpointArchive(TrainerState& s, const std::string& payload, const std::string& path)
{
    try {
        torch::serialize::InputArchive archive;
        std::istringstream bytes(payload);
        archive.load_from(bytes);
        c10::IValue version;
        int64_t format = 1;  // release 0.1 wrote no version
        if (archive.try_read("format_version", version)) {
            if (!version.isInt())
                throw FieldError{"field format_version is not an integer"};
            format = version.toInt();
        }
        if (format > kCheckpointFormatVersion || format < 1)
            throw FieldError{"checkpoint format " + std::to_string(format) + " is not one this GrokScope reads (1 to "
                             + std::to_string(kCheckpointFormatVersion) + ")"};
        restoreCommon(s, archive);
        if (format == 1)
            restoreFormat1(s, archive);
        else
            restoreNamedFields(s, archive, format);
    } catch (const FieldError& error) {
        throw RunLogError(path + ": checkpoint is unreadable: " + error.message);
    } catch (const c10::Error& error) {
        throw RunLogError(path + ": checkpoint is unreadable: " + error.what_without_backtrace());
    }
}

}  // namespace grokscope
