#include "io/config_json.h"

#include "compute/bf16_gemm.h"
#include "io/input_file.h"
#include "tasks/dataset.h"
#include "tasks/group_table.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <sstream>

namespace grokscope {

using nlohmann::json;

namespace {

template <typename Enum>
struct EnumNames {
    std::vector<std::pair<Enum, const char*>> names;
    std::string toString(Enum value) const
    {
        for (const auto& [v, n] : names)
            if (v == value)
                return n;
        return "?";
    }
    Enum fromString(const std::string& key, const std::string& text) const
    {
        std::string allowed;
        for (const auto& [v, n] : names) {
            if (text == n)
                return v;
            allowed += (allowed.empty() ? "" : ", ") + std::string(n);
        }
        throw ConfigError(key + ": unknown value \"" + text + "\"; allowed: " + allowed);
    }
};

const EnumNames<TaskKind> kTaskNames{{{TaskKind::Add, "add"}, {TaskKind::Sub, "sub"}, {TaskKind::Mul, "mul"},
                                      {TaskKind::Div, "div"}, {TaskKind::Permutation, "permutation"}}};
const EnumNames<Architecture> kArchitectureNames{{{Architecture::Transformer, "transformer"}, {Architecture::Mlp, "mlp"}}};
const EnumNames<Activation> kActivationNames{{{Activation::Relu, "relu"}, {Activation::Gelu, "gelu"}}};
const EnumNames<LayerNormPlacement> kLayerNormNames{
    {{LayerNormPlacement::None, "none"}, {LayerNormPlacement::Pre, "pre"}, {LayerNormPlacement::Post, "post"}}};
const EnumNames<BatchMode> kBatchModeNames{{{BatchMode::SampledWithReplacement, "sampled"}, {BatchMode::FullBatch, "full"}}};
const EnumNames<ProbeSource> kProbeNames{{{ProbeSource::Train, "train"}, {ProbeSource::Test, "test"}}};
const EnumNames<Centring> kCentringNames{{{Centring::Centred, "centred"}, {Centring::Uncentred, "uncentred"}}};
const EnumNames<MatmulPrecision> kMatmulPrecisionNames{{{MatmulPrecision::Float32, "float32"}, {MatmulPrecision::Bf16, "bf16"}}};
const EnumNames<InitScheme> kInitNames{{{InitScheme::ScaledNormal, "scaled_normal"}, {InitScheme::Pytorch, "pytorch"}}};
const EnumNames<MixingSite> kSiteNames{{std::begin(kMixingSiteNames), std::end(kMixingSiteNames)}};
const EnumNames<MixingForm> kFormNames{{std::begin(kMixingFormNames), std::end(kMixingFormNames)}};
const EnumNames<MixingPartnerGradient> kPartnerGradientNames{
    {std::begin(kMixingPartnerGradientNames), std::end(kMixingPartnerGradientNames)}};
const EnumNames<MixingPermutation> kPermutationNames{
    {std::begin(kMixingPermutationNames), std::end(kMixingPermutationNames)}};

// One settable key: how to read it from the struct, write it into it, and what it means.
struct Field {
    std::string key;
    std::string help;
    std::function<json(const TrainConfig&)> get;
    std::function<void(TrainConfig&, const json&)> set;
};

std::string typeName(const json& value)
{
    return value.type_name();
}

template <typename T>
std::string integerRange()
{
    return std::to_string(std::numeric_limits<T>::min()) + " to " + std::to_string(std::numeric_limits<T>::max());
}

template <typename T>
T expectNumber(const std::string& key, const json& value)
{
    if (!value.is_number())
        throw ConfigError(key + ": expected a number, got " + typeName(value) + " " + quotedForMessage(value));
    if constexpr (std::is_integral_v<T>) {
        // Range first, in the JSON's own type: a cast would wrap 4294967319 to 23.
        if (value.is_number_float()) {
            const double number = value.get<double>();
            if (!std::isfinite(number) || number != std::floor(number))
                throw ConfigError(key + ": expected an integer, got " + quotedForMessage(value));
            // T's range is [-2^digits, 2^digits) for signed T and [0, 2^digits) for
            // unsigned: both bounds are exact doubles, unlike max() itself.
            const double limit = std::ldexp(1.0, std::numeric_limits<T>::digits);
            if (number >= limit || number < (std::is_signed_v<T> ? -limit : 0.0))
                throw ConfigError(key + ": " + quotedForMessage(value) + " is out of range (" + integerRange<T>() + ")");
            return static_cast<T>(number);
        }
        if (value.is_number_unsigned()) {
            const auto number = value.get<unsigned long long>();
            if (number > static_cast<unsigned long long>(std::numeric_limits<T>::max()))
                throw ConfigError(key + ": " + quotedForMessage(value) + " is out of range (" + integerRange<T>() + ")");
            return static_cast<T>(number);
        }
        const auto number = value.get<long long>();
        if constexpr (std::is_unsigned_v<T>) {
            if (number < 0)
                throw ConfigError(key + ": must not be negative, got " + quotedForMessage(value));
        } else if (number < static_cast<long long>(std::numeric_limits<T>::min())
                   || number > static_cast<long long>(std::numeric_limits<T>::max())) {
            throw ConfigError(key + ": " + quotedForMessage(value) + " is out of range (" + integerRange<T>() + ")");
        }
        return static_cast<T>(number);
    } else {
        const T number = value.get<T>();
        if (!std::isfinite(number))
            throw ConfigError(key + ": expected a finite number, got " + quotedForMessage(value));
        return number;
    }
}

template <typename T, typename Section>
Field numberField(std::string key, std::string help, Section TrainConfig::*section, T Section::*member)
{
    return {key, std::move(help), [=](const TrainConfig& c) { return json((c.*section).*member); },
            [=](TrainConfig& c, const json& v) { (c.*section).*member = expectNumber<T>(key, v); }};
}

template <typename Section>
Field boolField(std::string key, std::string help, Section TrainConfig::*section, bool Section::*member)
{
    return {key, std::move(help), [=](const TrainConfig& c) { return json((c.*section).*member); },
            [=](TrainConfig& c, const json& v) {
                if (!v.is_boolean())
                    throw ConfigError(key + ": expected true or false, got " + quotedForMessage(v));
                (c.*section).*member = v.get<bool>();
            }};
}

std::string expectString(const std::string& key, const json& value)
{
    if (!value.is_string())
        throw ConfigError(key + ": expected a string, got " + quotedForMessage(value));
    const std::string text = value.get<std::string>();
    if (!isValidUtf8(text))
        throw ConfigError(key + ": not valid UTF-8");
    return text;
}

template <typename Section>
Field stringField(std::string key, std::string help, Section TrainConfig::*section, std::string Section::*member)
{
    return {key, std::move(help), [=](const TrainConfig& c) { return json((c.*section).*member); },
            [=](TrainConfig& c, const json& v) {
                (c.*section).*member = expectString(key, v);
            }};
}

template <typename Enum, typename Section>
Field enumField(std::string key, std::string help, Section TrainConfig::*section, Enum Section::*member,
                const EnumNames<Enum>& names)
{
    return {key, std::move(help), [=, &names](const TrainConfig& c) { return json(names.toString((c.*section).*member)); },
            [=, &names](TrainConfig& c, const json& v) {
                if (!v.is_string())
                    throw ConfigError(key + ": expected a string, got " + quotedForMessage(v));
                (c.*section).*member = names.fromString(key, v.get<std::string>());
            }};
}

const std::vector<Field>& fields()
{
    using C = TrainConfig;
    static const std::vector<Field> table = [] {
        std::vector<Field> f;
        f.push_back({"name", "free-text name of the run or preset",
                     [](const C& c) { return json(c.name); },
                     [](C& c, const json& v) {
                         c.name = expectString("name", v);
                     }});
        f.push_back(enumField("task.kind", "add, sub, mul, div (mod p) or permutation (S_n composition)", &C::task, &TaskConfig::kind, kTaskNames));
        f.push_back(numberField("task.modulus", "prime p <= 257 for the cyclic tasks", &C::task, &TaskConfig::modulus));
        f.push_back(numberField("task.permutation_degree", "n for S_n, 2..6", &C::task, &TaskConfig::permutationDegree));
        f.push_back(numberField("task.train_fraction", "fraction of all pairs used for training, in (0, 1)", &C::task, &TaskConfig::trainFraction));
        f.push_back(numberField("task.data_seed", "seed of the train/test split", &C::task, &TaskConfig::dataSeed));
        f.push_back(boolField("task.equals_token", "inputs 'a b =' (true) or 'a b' (false)", &C::task, &TaskConfig::equalsToken));
        f.push_back(enumField("model.architecture", "transformer or mlp", &C::model, &ModelConfig::architecture, kArchitectureNames));
        f.push_back(numberField("model.layers", "Transformer layers", &C::model, &ModelConfig::layers));
        f.push_back(numberField("model.d_model", "residual width d (also the MLP's embedding width)", &C::model, &ModelConfig::dModel));
        f.push_back(numberField("model.heads", "attention heads; must divide d_model", &C::model, &ModelConfig::heads));
        f.push_back(numberField("model.d_mlp", "hidden width of the Transformer's MLP block", &C::model, &ModelConfig::dMlp));
        f.push_back(enumField("model.activation", "relu or gelu", &C::model, &ModelConfig::activation, kActivationNames));
        f.push_back(enumField("model.layer_norm", "none, pre or post", &C::model, &ModelConfig::layerNorm, kLayerNormNames));
        f.push_back(boolField("model.final_layer_norm", "LayerNorm before the unembedding", &C::model, &ModelConfig::finalLayerNorm));
        f.push_back(numberField("model.mlp_hidden_layers", "MLP control: number of hidden layers", &C::model, &ModelConfig::mlpHiddenLayers));
        f.push_back(numberField("model.mlp_hidden_width", "MLP control: hidden width (= representation width)", &C::model, &ModelConfig::mlpHiddenWidth));
        f.push_back(boolField("model.lookup_tables", "compute layer-0 projections once per (token, position): same math, faster; false = plain path", &C::model, &ModelConfig::lookupTables));
        f.push_back(enumField("model.matmul_precision", "float32, or bf16: the fused Transformer's training products with bfloat16 operands and float32 sums (needs AMX-BF16); evaluation stays float32", &C::model, &ModelConfig::matmulPrecision, kMatmulPrecisionNames));
        f.push_back(enumField("model.init", "scaled_normal (every matrix N(0, 1/d), zero biases) or pytorch (nn.Embedding N(0, 1), nn.Linear Kaiming-uniform weights and biases)", &C::model, &ModelConfig::init, kInitNames));
        f.push_back(numberField("model.init_scale", "every initial parameter times this factor (Omnigrok's alpha), > 0", &C::model, &ModelConfig::initScale));
        f.push_back(numberField("optim.learning_rate", "AdamW peak learning rate", &C::optim, &OptimConfig::learningRate));
        f.push_back(numberField("optim.weight_decay", "AdamW decoupled weight decay", &C::optim, &OptimConfig::weightDecay));
        f.push_back(numberField("optim.beta1", "AdamW beta1", &C::optim, &OptimConfig::beta1));
        f.push_back(numberField("optim.beta2", "AdamW beta2", &C::optim, &OptimConfig::beta2));
        f.push_back(numberField("optim.epsilon", "AdamW epsilon", &C::optim, &OptimConfig::epsilon));
        f.push_back(numberField("optim.warmup_steps", "linear warm-up: lr * min(1, step / warmup_steps)", &C::optim, &OptimConfig::warmupSteps));
        f.push_back(enumField("optim.batch_mode", "sampled (with replacement) or full (the whole train set)", &C::optim, &OptimConfig::batchMode, kBatchModeNames));
        f.push_back(numberField("optim.batch_size", "examples per step when batch_mode is sampled", &C::optim, &OptimConfig::batchSize));
        f.push_back(numberField("run.steps", "optimiser steps to train", &C::run, &RunConfig::steps));
        f.push_back(numberField("run.model_seed", "seed of the initialisation, the batches and the mixing", &C::run, &RunConfig::modelSeed));
        f.push_back(numberField("run.eval_every_steps", "evaluate losses, accuracies and norms every N steps", &C::run, &RunConfig::evalEverySteps));
        f.push_back(numberField("run.spectrum_every_steps", "measure the covariance spectrum every N steps (a multiple of eval_every_steps)", &C::run, &RunConfig::spectrumEverySteps));
        f.push_back(numberField("run.checkpoint_every_steps", "checkpoint every N steps (0 = only at the end)", &C::run, &RunConfig::checkpointEverySteps));
        f.push_back(numberField("run.keep_checkpoints", "periodic checkpoints kept on disk", &C::run, &RunConfig::keepCheckpoints));
        f.push_back(boolField("run.stop_at_grok", "stop once test accuracy reaches metrics.grok_accuracy", &C::run, &RunConfig::stopAtGrok));
        f.push_back(numberField("run.stop_after_grok_steps", "with stop_at_grok: steps to keep training after T_grok", &C::run, &RunConfig::stopAfterGrokSteps));
        f.push_back(stringField("run.device", "cpu or cuda", &C::run, &RunConfig::device));
        f.push_back(numberField("run.threads", "Threads of the engine (0 = up to 2, one per core). Transformer presets: the batch runs as 2 fixed chunks, so results do not depend on the count; other models: OpenBLAS threads, results reproducible per count", &C::run, &RunConfig::threads));
        f.push_back({"run.save_representations_at_steps", "steps at which the probe representations are written as .npy",
                     [](const C& c) { return json(c.run.saveRepresentationsAtSteps); },
                     [](C& c, const json& v) {
                         if (!v.is_array())
                             throw ConfigError("run.save_representations_at_steps: expected an array of steps, got " + quotedForMessage(v));
                         std::vector<long> steps;
                         for (const json& s : v)
                             steps.push_back(expectNumber<long>("run.save_representations_at_steps", s));
                         c.run.saveRepresentationsAtSteps = steps;
                     }});
        f.push_back(numberField("metrics.probe_size", "examples in the fixed probe set for the covariance", &C::metrics, &MetricsConfig::probeSize));
        f.push_back(enumField("metrics.probe_source", "train or test: where the probe set comes from", &C::metrics, &MetricsConfig::probeSource, kProbeNames));
        f.push_back(enumField("metrics.centring", "centred or uncentred covariance", &C::metrics, &MetricsConfig::centring, kCentringNames));
        f.push_back({"metrics.entropy_threshold", "H* for the crossing event; null = the paper's value for the task",
                     [](const C& c) { return c.metrics.entropyThreshold ? json(*c.metrics.entropyThreshold) : json(nullptr); },
                     [](C& c, const json& v) {
                         if (v.is_null())
                             c.metrics.entropyThreshold.reset();
                         else
                             c.metrics.entropyThreshold = expectNumber<double>("metrics.entropy_threshold", v);
                     }});
        f.push_back(numberField("metrics.memorisation_accuracy", "train accuracy that marks memorisation", &C::metrics, &MetricsConfig::memorisationAccuracy));
        f.push_back(numberField("metrics.grok_accuracy", "test accuracy that marks T_grok", &C::metrics, &MetricsConfig::grokAccuracy));
        f.push_back(numberField("metrics.collapse_drop", "H drop over the window that marks T_collapse", &C::metrics, &MetricsConfig::collapseDrop));
        f.push_back(numberField("metrics.collapse_window_steps", "T_collapse: H~ fell by more than collapse_drop over this many steps (800 = the paper's 5 evaluations at every 200 steps)", &C::metrics, &MetricsConfig::collapseWindowSteps));
        f.push_back(numberField("metrics.collapse_smoothing_steps", "T_collapse compares H~ averaged over the evaluations of this many trailing steps (0 = raw values)", &C::metrics, &MetricsConfig::collapseSmoothingSteps));
        f.push_back(boolField("metrics.entropy_events_after_memorisation", "detect the H* crossing and T_collapse only after memorisation (phase II)", &C::metrics, &MetricsConfig::entropyEventsAfterMemorisation));
        f.push_back(numberField("metrics.forecast_c1", "live forecast: C1 of T_grok - t = C1 (H~ - H*)^gamma + C2", &C::metrics, &MetricsConfig::forecastC1));
        f.push_back(numberField("metrics.forecast_gamma", "live forecast: exponent gamma", &C::metrics, &MetricsConfig::forecastGamma));
        f.push_back(numberField("metrics.forecast_c2", "live forecast: offset C2 in steps", &C::metrics, &MetricsConfig::forecastC2));
        f.push_back(numberField("metrics.forecast_residual_sd_steps", "live forecast: residual SD of the fit; the interval is +-1.96 SD", &C::metrics, &MetricsConfig::forecastResidualSdSteps));
        f.push_back(numberField("metrics.fourier_directions", "leading covariance eigenvectors in the Fourier alignment", &C::metrics, &MetricsConfig::fourierDirections));
        f.push_back(numberField("metrics.saturation_epsilon", "an example's softmax is saturated when 1 - max probability < this", &C::metrics, &MetricsConfig::saturationEpsilon));
        f.push_back(numberField("metrics.norm_decay_window_steps", "steps of the ||theta||^2 history the norm-decay fit uses (never fewer than 3 evaluations)", &C::metrics, &MetricsConfig::normDecayWindowSteps));
        f.push_back({"metrics.norm_decay_target", "||theta|| the norm-decay ETA aims at (e.g. the norm at T_grok of calibration runs); null = no ETA",
                     [](const C& c) { return c.metrics.normDecayTarget ? json(*c.metrics.normDecayTarget) : json(nullptr); },
                     [](C& c, const json& v) {
                         if (v.is_null())
                             c.metrics.normDecayTarget.reset();
                         else
                             c.metrics.normDecayTarget = expectNumber<double>("metrics.norm_decay_target", v);
                     }});
        f.push_back(boolField("intervention.mixing", "representation mixing (entropy blocking) scheduled by the config", &C::intervention, &InterventionConfig::mixing));
        f.push_back(numberField("intervention.mixing_alpha", "mixing strength alpha in [0, 1]", &C::intervention, &InterventionConfig::mixingAlpha));
        f.push_back(enumField("intervention.mixing_site", "final_residual, attention_output or embedding", &C::intervention, &InterventionConfig::mixingSite, kSiteNames));
        f.push_back(enumField("intervention.mixing_form", "convex (every row (1-alpha) z_i + alpha z_pi(i)) or swap (round(alpha*P) random rows of the P with a partner replaced by their partner's)", &C::intervention, &InterventionConfig::mixingForm, kFormNames));
        f.push_back(enumField("intervention.mixing_partner_gradient", "through (the loss reaches the partner row) or detached (the partner's share is a constant)", &C::intervention, &InterventionConfig::mixingPartnerGradient, kPartnerGradientNames));
        f.push_back(enumField("intervention.mixing_permutation", "cycle (one random B-cycle), derangement (uniform), same_class or different_class (partners by label)", &C::intervention, &InterventionConfig::mixingPermutation, kPermutationNames));
        f.push_back(numberField("intervention.mixing_probability", "chance that a training step mixes, in (0, 1]", &C::intervention, &InterventionConfig::mixingProbability));
        f.push_back(boolField("intervention.mixing_labels", "mix the loss targets with the same weights and partners (mixup)", &C::intervention, &InterventionConfig::mixingLabels));
        f.push_back(boolField("intervention.mixing_at_evaluation", "mix the evaluation and probe passes too, so accuracies and H~ are measured mixed", &C::intervention, &InterventionConfig::mixingAtEvaluation));
        f.push_back(numberField("intervention.mixing_from_step", "mixing starts after this step", &C::intervention, &InterventionConfig::mixingFromStep));
        f.push_back(numberField("intervention.mixing_until_step", "mixing stops after this step (-1 = never)", &C::intervention, &InterventionConfig::mixingUntilStep));
        f.push_back(boolField("intervention.entropy_floor", "entropy floor: add weight * max(0, target - H~ of the batch) to the loss", &C::intervention, &InterventionConfig::entropyFloor));
        f.push_back(numberField("intervention.entropy_floor_target", "entropy floor: the H~ it holds the batch representation above, in (0, 1]", &C::intervention, &InterventionConfig::entropyFloorTarget));
        f.push_back(numberField("intervention.entropy_floor_weight", "entropy floor: penalty weight beta, >= 0", &C::intervention, &InterventionConfig::entropyFloorWeight));
        f.push_back(numberField("intervention.entropy_floor_from_step", "entropy floor starts after this step", &C::intervention, &InterventionConfig::entropyFloorFromStep));
        f.push_back(numberField("intervention.entropy_floor_until_step", "entropy floor stops after this step (-1 = never)", &C::intervention, &InterventionConfig::entropyFloorUntilStep));
        f.push_back(stringField("intervention.norm_reference_run", "run directory whose weight-norm trajectory is followed (empty = off)", &C::intervention, &InterventionConfig::normReferenceRun));
        return f;
    }();
    return table;
}

const Field* findField(const std::string& key)
{
    for (const Field& f : fields())
        if (f.key == key)
            return &f;
    return nullptr;
}

void setNested(json& root, const std::string& key, const json& value)
{
    json* node = &root;
    std::string::size_type start = 0, dot;
    while ((dot = key.find('.', start)) != std::string::npos) {
        node = &(*node)[key.substr(start, dot - start)];
        start = dot + 1;
    }
    (*node)[key.substr(start)] = value;
}

// Flattens {"optim": {"learning_rate": 1}} into {"optim.learning_rate": 1}.
void flatten(const json& node, const std::string& prefix, std::vector<std::pair<std::string, json>>& out)
{
    for (auto it = node.begin(); it != node.end(); ++it) {
        const std::string key = prefix.empty() ? it.key() : prefix + "." + it.key();
        if (it.value().is_object() && !findField(key))
            flatten(it.value(), key, out);
        else
            out.emplace_back(key, it.value());
    }
}

// metrics.collapse_window_evals, written by releases whose collapse window counted
// spectrum evaluations: the window from the first to the last of that many evaluations,
// in steps, at the config's own cadence. Older run logs keep their meaning.
constexpr const char* kLegacyCollapseWindowEvals = "metrics.collapse_window_evals";

void applyLegacyCollapseWindow(TrainConfig& config, const json& value)
{
    const std::string key = kLegacyCollapseWindowEvals;
    const long long evals = expectNumber<int>(key, value);
    if (evals < 2)
        throw ConfigError(key + ": must be at least 2 (the key is replaced by metrics.collapse_window_steps)");
    const long long cadence =
        config.run.spectrumEverySteps > 0 ? config.run.spectrumEverySteps : config.run.evalEverySteps;
    const long long steps = (evals - 1) * cadence;
    if (steps > std::numeric_limits<int>::max())
        throw ConfigError(key + ": " + std::to_string(evals) + " evaluations of " + std::to_string(cadence)
                          + " steps do not fit metrics.collapse_window_steps");
    config.metrics.collapseWindowSteps = static_cast<int>(steps);
}

}  // namespace

std::string taskName(TaskKind kind) { return kTaskNames.toString(kind); }

json configToJson(const TrainConfig& config)
{
    json root = json::object();
    for (const Field& f : fields())
        setNested(root, f.key, f.get(config));
    return root;
}

TrainConfig applyConfigJson(const TrainConfig& base, const json& document)
{
    if (!document.is_object())
        throw ConfigError("a config must be a JSON object, got " + typeName(document));
    TrainConfig config = base;
    std::vector<std::pair<std::string, json>> entries;
    flatten(document, "", entries);
    std::optional<json> legacyCollapseWindow;
    bool collapseWindowGiven = false;
    for (const auto& [key, value] : entries) {
        if (key == "grokscope_version" || key == "git_revision" || key == "created_utc" || key == "preset")
            continue;  // provenance written by the run log, not settings
        if (key == kLegacyCollapseWindowEvals) {
            legacyCollapseWindow = value;  // needs the cadence, which may come later
            continue;
        }
        const Field* field = findField(key);
        if (!field)
            throw ConfigError(key + ": unknown config key (grokscope-cli keys lists them all)");
        field->set(config, value);
        collapseWindowGiven = collapseWindowGiven || key == "metrics.collapse_window_steps";
    }
    if (legacyCollapseWindow && !collapseWindowGiven)  // the new key wins where both are given
        applyLegacyCollapseWindow(config, *legacyCollapseWindow);
    return config;
}

TrainConfig applyOverride(const TrainConfig& base, const std::string& assignment)
{
    const auto equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0)
        throw ConfigError("override \"" + assignment + "\": expected key=value, e.g. optim.learning_rate=0.003");
    const std::string key = assignment.substr(0, equals);
    const std::string text = assignment.substr(equals + 1);
    // Bare words such as add or relu are taken as strings.
    const json value = tryParseJsonText(text).value_or(json(text));
    TrainConfig config = base;
    if (key == kLegacyCollapseWindowEvals) {
        applyLegacyCollapseWindow(config, value);
        return config;
    }
    const Field* field = findField(key);
    if (!field)
        throw ConfigError(key + ": unknown config key (grokscope-cli keys lists them all)");
    field->set(config, value);
    return config;
}

TrainConfig loadConfigFile(const TrainConfig& base, const std::string& path)
{
    json document;
    try {
        document = readJsonFile(path);
    } catch (const InputError& error) {
        throw ConfigError(error.what());
    }
    try {
        return applyConfigJson(base, document);
    } catch (const ConfigError& error) {
        throw ConfigError(path + ": " + error.what());
    }
}

void validateConfig(const TrainConfig& c)
{
    auto require = [](bool ok, const std::string& message) {
        if (!ok)
            throw ConfigError(message);
    };
    // Where the name becomes a directory (a run without --out) it must also be a plain
    // name; that is checked there, so runs named "experiment/arm" by earlier releases
    // still read back.
    if (const auto problem = nameTextProblem(c.name))
        throw ConfigError("name: " + quotedForMessage(c.name) + " " + *problem);
    try {
        // Both task keys are checked whatever the task: a saved config must not carry a
        // value that switching task.kind would turn into a failure.
        requireValidModulus(c.task.modulus);
        requireValidPermutationDegree(c.task.permutationDegree);
        buildDataset(c.task, c.metrics);  // checks train fraction and probe size
    } catch (const std::invalid_argument& error) {
        throw ConfigError(error.what());
    }
    require(c.metrics.probeSize <= 1 << 20, "metrics.probe_size: must be at most 1048576");
    require(c.run.stopAfterGrokSteps >= -1, "run.stop_after_grok_steps: must be -1 (off) or >= 0");
    require(c.model.layers >= 1 && c.model.layers <= 8, "model.layers: must be between 1 and 8");
    require(c.model.dModel >= 2 && c.model.dModel <= 2048, "model.d_model: must be between 2 and 2048");
    require(c.model.heads >= 1 && c.model.dModel % c.model.heads == 0,
            "model.heads: must be at least 1 and divide model.d_model (" + std::to_string(c.model.dModel) + ")");
    require(c.model.dMlp >= 1 && c.model.dMlp <= 16384, "model.d_mlp: must be between 1 and 16384");
    require(c.model.mlpHiddenLayers >= 1 && c.model.mlpHiddenLayers <= 8, "model.mlp_hidden_layers: must be between 1 and 8");
    require(c.model.mlpHiddenWidth >= 2 && c.model.mlpHiddenWidth <= 16384, "model.mlp_hidden_width: must be between 2 and 16384");
    require(c.optim.learningRate > 0 && std::isfinite(c.optim.learningRate), "optim.learning_rate: must be positive and finite");
    require(c.optim.weightDecay >= 0 && std::isfinite(c.optim.weightDecay), "optim.weight_decay: must be >= 0");
    require(c.optim.learningRate * c.optim.weightDecay < 1.0,
            "optim.weight_decay: learning_rate * weight_decay must stay below 1, or AdamW flips the weights' sign");
    require(c.optim.beta1 >= 0 && c.optim.beta1 < 1, "optim.beta1: must lie in [0, 1)");
    require(c.optim.beta2 >= 0 && c.optim.beta2 < 1, "optim.beta2: must lie in [0, 1)");
    require(c.optim.epsilon > 0, "optim.epsilon: must be positive");
    require(c.optim.warmupSteps >= 0, "optim.warmup_steps: must be >= 0");
    require(c.optim.batchSize >= 1 && c.optim.batchSize <= 1 << 20, "optim.batch_size: must be between 1 and 1048576");
    require(c.run.steps >= 0 && c.run.steps <= kMaxRunSteps,
            "run.steps: must be between 0 and " + std::to_string(kMaxRunSteps) + ", got " + std::to_string(c.run.steps));
    require(c.run.evalEverySteps >= 1, "run.eval_every_steps: must be >= 1");
    require(c.run.spectrumEverySteps >= 0, "run.spectrum_every_steps: must be >= 0 (0 turns the spectrum off)");
    require(c.run.spectrumEverySteps == 0 || c.run.spectrumEverySteps % c.run.evalEverySteps == 0,
            "run.spectrum_every_steps: must be a multiple of run.eval_every_steps ("
                + std::to_string(c.run.evalEverySteps) + ")");
    require(c.run.checkpointEverySteps >= 0, "run.checkpoint_every_steps: must be >= 0");
    require(c.run.keepCheckpoints >= 1, "run.keep_checkpoints: must be >= 1");
    require(c.run.device == "cpu" || c.run.device == "cuda", "run.device: must be \"cpu\" or \"cuda\"");
    require(c.run.threads >= 0 && c.run.threads <= 256, "run.threads: must be between 0 and 256");
    for (long s : c.run.saveRepresentationsAtSteps)
        require(s >= 0 && s % c.run.evalEverySteps == 0,
                "run.save_representations_at_steps: " + std::to_string(s)
                    + " is not an evaluation step (a multiple of run.eval_every_steps)");
    require(c.metrics.memorisationAccuracy > 0 && c.metrics.memorisationAccuracy <= 1,
            "metrics.memorisation_accuracy: must lie in (0, 1]");
    require(c.metrics.grokAccuracy > 0 && c.metrics.grokAccuracy <= 1, "metrics.grok_accuracy: must lie in (0, 1]");
    require(!c.metrics.entropyThreshold || (*c.metrics.entropyThreshold >= 0 && *c.metrics.entropyThreshold <= 1),
            "metrics.entropy_threshold: must lie in [0, 1] or be null");
    require(c.metrics.collapseDrop > 0, "metrics.collapse_drop: must be positive");
    require(c.metrics.collapseWindowSteps >= 1, "metrics.collapse_window_steps: must be at least 1");
    require(c.metrics.collapseSmoothingSteps >= 0, "metrics.collapse_smoothing_steps: must be >= 0 (0 = no smoothing)");
    require(c.metrics.forecastC1 > 0, "metrics.forecast_c1: must be positive");
    require(c.metrics.forecastGamma > 0, "metrics.forecast_gamma: must be positive");
    require(c.metrics.forecastResidualSdSteps >= 0, "metrics.forecast_residual_sd_steps: must be >= 0");
    require(c.metrics.fourierDirections >= 1, "metrics.fourier_directions: must be at least 1");
    require(c.metrics.saturationEpsilon > 0 && c.metrics.saturationEpsilon < 1, "metrics.saturation_epsilon: must lie in (0, 1)");
    require(c.metrics.normDecayWindowSteps >= 1, "metrics.norm_decay_window_steps: must be at least 1");
    require(!c.metrics.normDecayTarget || *c.metrics.normDecayTarget > 0, "metrics.norm_decay_target: must be positive or null");
    require(c.intervention.mixingAlpha >= 0 && c.intervention.mixingAlpha <= 1,
            "intervention.mixing_alpha: must lie in [0, 1]");
    require(c.intervention.mixingFromStep >= 0, "intervention.mixing_from_step: must be >= 0");
    require(c.intervention.mixingProbability > 0 && c.intervention.mixingProbability <= 1,
            "intervention.mixing_probability: must lie in (0, 1]");
    require(c.model.initScale > 0, "model.init_scale: must be positive");
    require(c.intervention.entropyFloorTarget > 0 && c.intervention.entropyFloorTarget <= 1,
            "intervention.entropy_floor_target: must lie in (0, 1]");
    require(c.intervention.entropyFloorWeight >= 0, "intervention.entropy_floor_weight: must be >= 0");
    require(c.intervention.entropyFloorFromStep >= 0, "intervention.entropy_floor_from_step: must be >= 0");
    require(c.intervention.entropyFloorUntilStep == -1
                || c.intervention.entropyFloorUntilStep > c.intervention.entropyFloorFromStep,
            "intervention.entropy_floor_until_step: must be -1 or after intervention.entropy_floor_from_step");
    require(c.optim.batchMode == BatchMode::FullBatch || c.optim.batchSize >= 2 || !c.intervention.entropyFloor,
            "optim.batch_size: the entropy floor needs a batch of at least 2");
    require(c.intervention.mixingUntilStep == -1 || c.intervention.mixingUntilStep > c.intervention.mixingFromStep,
            "intervention.mixing_until_step: must be -1 or after intervention.mixing_from_step");
    require(c.optim.batchMode == BatchMode::FullBatch || c.optim.batchSize >= 2 || !c.intervention.mixing,
            "optim.batch_size: mixing needs batches of at least 2");
    if (c.model.matmulPrecision == MatmulPrecision::Bf16) {
        // The conditions of fusedTransformerApplies (model/grok_model.cpp): no other step
        // (FusedMlp, the autograd path) has bf16 products, and bf16 must never silently
        // mean float32.
        require(c.model.architecture == Architecture::Transformer && c.model.layers == 1
                    && c.model.layerNorm == LayerNormPlacement::None && !c.model.finalLayerNorm
                    && c.model.lookupTables && c.run.device == "cpu",
                "model.matmul_precision: bf16 runs on the fused Transformer step only (model.architecture transformer, "
                "model.layers 1, no LayerNorm, model.lookup_tables true, run.device cpu)");
        require(!(c.intervention.mixing && c.intervention.mixingSite == MixingSite::Embedding),
                "model.matmul_precision: bf16 cannot run with intervention.mixing_site embedding (an autograd step)");
        if (const auto reason = bf16GemmUnavailableReason())
            throw ConfigError("model.matmul_precision: bf16 " + *reason);
    }
}

std::vector<std::string> configKeys()
{
    std::vector<std::string> keys;
    for (const Field& f : fields())
        keys.push_back(f.key);
    return keys;
}

std::string configKeyHelp(const std::string& key)
{
    const Field* field = findField(key);
    return field ? field->help : std::string();
}

}  // namespace grokscope
